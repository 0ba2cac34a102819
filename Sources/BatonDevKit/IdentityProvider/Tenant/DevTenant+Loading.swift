import BatonConfig
import BatonCore
import Crypto
import Foundation
internal import X509

extension DevTenant {
    /// Reads a tenant file such as `dev/tenant.yaml`. Errors name the file and the field.
    ///
    /// Certificate paths are resolved against the file's directory.
    public static func load(file path: String, environment: [String: String]) throws(ConfigError) -> DevTenant {
        let document = try ConfigDocument(contentsOf: path, environment: environment, environmentPrefix: "BATON_DEV_TENANT")
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try DevTenant(root: document.rootSection(), directory: directory)
    }

    init(root: ConfigSection, directory: URL) throws(ConfigError) {
        let tenant = try root.section("tenant")
        let id: String = try tenant.requiredValue("id")
        try Self.requireGUID(id, key: "id", in: tenant)
        let domain: String = try tenant.requiredValue("domain")
        let lifetime = try tenant.value("token_lifetime", default: Duration.seconds(3600))
        let refreshLifetime = try tenant.value("refresh_token_lifetime", default: Duration.seconds(86_400))
        guard lifetime >= .seconds(60) else { throw tenant.invalid("token_lifetime", "must be at least 1m") }
        try tenant.finish()

        var applications: [DevApplication] = []
        for section in try root.sections("apps") {
            applications.append(try Self.application(section, directory: directory))
        }
        var users: [DevUser] = []
        for section in try root.sections("users") {
            users.append(try Self.user(section))
        }
        try root.finish()
        self.init(id: id, domain: domain, tokenLifetime: lifetime, refreshTokenLifetime: refreshLifetime, users: users, applications: applications)
        try validateReferences(root: root)
    }

    private static func user(_ section: ConfigSection) throws(ConfigError) -> DevUser {
        let oid: String = try section.requiredValue("oid")
        try requireGUID(oid, key: "oid", in: section)
        let username: String = try section.requiredValue("username")
        var roles: [String: [String]] = [:]
        let rolesSection = try section.section("roles")
        for app in rolesSection.writtenKeys {
            roles[app] = try rolesSection.list(app, default: [])
        }
        try rolesSection.finish()
        let user = DevUser(
            oid: oid,
            username: username,
            name: try section.value("name", default: username),
            email: try section.value("email", default: username),
            password: try section.requiredValue("password"),
            roles: roles,
            mfaRequired: try section.value("mfa_required", default: false)
        )
        try section.finish()
        return user
    }

    private static func application(_ section: ConfigSection, directory: URL) throws(ConfigError) -> DevApplication {
        let name: String = try section.requiredValue("name")
        let appID: String = try section.requiredValue("app_id")
        try requireGUID(appID, key: "app_id", in: section)
        let objectID = try section.value("object_id", default: Self.derivedObjectID(appID))
        try requireGUID(objectID, key: "object_id", in: section)
        let version = try section.value("access_token_version", default: 2)
        guard version == 1 || version == 2 else { throw section.invalid("access_token_version", "must be 1 or 2") }
        let isPublic = try section.value("public_client", default: false)
        let secrets: [Secret] = try section.list("secrets", default: [])
        let certificatePaths: [String] = try section.list("certificates", default: [])
        if isPublic, !secrets.isEmpty || !certificatePaths.isEmpty {
            throw section.invalid("public_client", "a public client has no secrets or certificates")
        }
        var certificates: [Data] = []
        for (index, path) in certificatePaths.enumerated() {
            certificates.append(try certificate(at: path, relativeTo: directory, key: "certificates[\(index)]", in: section))
        }
        var permissions: [DevPermission] = []
        for permission in try section.sections("permissions") {
            permissions.append(
                DevPermission(
                    resource: try permission.requiredValue("resource"),
                    scopes: try permission.list("scopes", default: []),
                    roles: try permission.list("roles", default: []),
                    consented: try permission.value("consented", default: true)
                )
            )
            try permission.finish()
        }
        let redirectURIs: [String] = try section.list("redirect_uris", default: [])
        for (index, uri) in redirectURIs.enumerated() {
            if let problem = redirectURIProblem(uri) { throw section.invalid("redirect_uris[\(index)]", problem) }
        }
        var preAuthorized: [DevPreAuthorization] = []
        for entry in try section.sections("pre_authorized") {
            preAuthorized.append(DevPreAuthorization(client: try entry.requiredValue("client"), scopes: try entry.list("scopes", default: [])))
            try entry.finish()
        }
        let application = DevApplication(
            name: name,
            appID: appID.lowercased(),
            objectID: objectID.lowercased(),
            identifierURIs: try section.list("identifier_uris", default: []),
            scopes: try section.list("scopes", default: []),
            roles: try section.list("roles", default: []),
            accessTokenVersion: version,
            isPublicClient: isPublic,
            secrets: secrets,
            certificates: certificates,
            permissions: permissions,
            preAuthorized: preAuthorized,
            requiresMFA: try section.value("requires_mfa", default: false),
            redirectURIs: redirectURIs
        )
        try section.finish()
        return application
    }

    /// Cross-references: every permission, pre-authorization and user role names a real app, scope or role.
    private func validateReferences(root: ConfigSection) throws(ConfigError) {
        let origin = ConfigOrigin.file(path: root.documentPath, line: nil)
        func fail(_ keyPath: String, _ problem: String) -> ConfigError {
            .invalidValue(origin: origin, keyPath: keyPath, problem: problem)
        }
        var seen: Set<String> = []
        for (index, app) in applications.enumerated() {
            for key in [app.name, app.appID] where !seen.insert(key).inserted {
                throw fail("apps[\(index)]", "'\(key)' is used by two apps")
            }
            for (permissionIndex, permission) in app.permissions.enumerated() {
                let path = "apps[\(index)].permissions[\(permissionIndex)]"
                guard let resource = applications.first(where: { $0.name == permission.resource }) else {
                    throw fail(path + ".resource", "no app is named '\(permission.resource)'")
                }
                for scope in permission.scopes where !resource.scopes.contains(scope) {
                    throw fail(path + ".scopes", "app '\(resource.name)' exposes no scope '\(scope)'")
                }
                for role in permission.roles where !resource.roles.contains(role) {
                    throw fail(path + ".roles", "app '\(resource.name)' defines no role '\(role)'")
                }
            }
            for (entryIndex, entry) in app.preAuthorized.enumerated() where !applications.contains(where: { $0.name == entry.client }) {
                throw fail("apps[\(index)].pre_authorized[\(entryIndex)].client", "no app is named '\(entry.client)'")
            }
        }
        var usernames: Set<String> = []
        for (index, user) in users.enumerated() {
            guard usernames.insert(user.username.lowercased()).inserted else {
                throw fail("users[\(index)].username", "'\(user.username)' is listed twice")
            }
            for (appName, roles) in user.roles {
                guard let app = applications.first(where: { $0.name == appName }) else {
                    throw fail("users[\(index)].roles.\(appName)", "no app is named '\(appName)'")
                }
                for role in roles where !app.roles.contains(role) {
                    throw fail("users[\(index)].roles.\(appName)", "app '\(appName)' defines no role '\(role)'")
                }
            }
        }
    }

    /// Why `uri` cannot be registered as a redirect URI, or `nil`. Like Entra: https, or http
    /// only on a loopback host; and no fragment, which a redirect could not keep (RFC 6749 §3.1.2).
    private static func redirectURIProblem(_ uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(), components.host?.isEmpty == false
        else { return "'\(uri)' is not a URL with a host" }
        guard components.fragment == nil else { return "'\(uri)' has a fragment (#…), which a redirect URI cannot have" }
        guard scheme == "https" || LoopbackRedirectURI(uri) != nil else {
            return "'\(uri)' must use https, or http on 127.0.0.1 or localhost"
        }
        return nil
    }

    private static func requireGUID(_ value: String, key: String, in section: ConfigSection) throws(ConfigError) {
        guard GUID.isValid(value) else { throw section.invalid(key, "'\(value)' is not a GUID") }
    }

    private static func certificate(at path: String, relativeTo directory: URL, key: String, in section: ConfigSection) throws(ConfigError) -> Data {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        guard let pem = try? String(contentsOf: url, encoding: .utf8) else {
            throw section.invalid(key, "cannot read the certificate file \(url.path)")
        }
        guard let certificate = try? Certificate(pemEncoded: pem), let der = try? certificate.derBytes() else {
            throw section.invalid(key, "\(url.path) is not a PEM certificate")
        }
        return Data(der)
    }

    /// A stable service-principal object id for an app that does not set one.
    static func derivedObjectID(_ appID: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(("object-id:" + appID.lowercased()).utf8))).prefix(16).map { $0 }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            )
        ).uuidString.lowercased()
    }
}
