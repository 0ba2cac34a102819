import BatonCore
import Foundation

/// The directory the dev identity provider serves: one tenant, its users and its app registrations.
///
/// Mirrors the parts of Entra ID that govern OBO (§1.6 of the identity notes): exposed
/// scopes, required permissions with or without consent, pre-authorized clients, app
/// roles, the token version each resource accepts, and Conditional Access's "requires MFA".
public struct DevTenant: Sendable {
    /// The tenant GUID (`tid`).
    public var id: String
    /// A verified domain that also names the tenant in URLs, e.g. `contoso.onmicrosoft.com`.
    public var domain: String
    /// How long issued access tokens live.
    public var tokenLifetime: Duration
    /// How long refresh tokens live.
    public var refreshTokenLifetime: Duration
    public var users: [DevUser]
    public var applications: [DevApplication]

    public init(
        id: String, domain: String, tokenLifetime: Duration = .seconds(3600), refreshTokenLifetime: Duration = .seconds(86_400),
        users: [DevUser], applications: [DevApplication]
    ) {
        self.id = id
        self.domain = domain
        self.tokenLifetime = tokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.users = users
        self.applications = applications
    }

    /// Whether `name` (a GUID or the domain, any case) designates this tenant in a URL.
    public func isNamed(_ name: String) -> Bool {
        name.lowercased() == id.lowercased() || name.lowercased() == domain.lowercased() || Self.multiTenantAliases.contains(name)
    }

    /// Entra's tenant-independent aliases, whose discovery documents carry a `{tenantid}` issuer template.
    public static let multiTenantAliases: Set<String> = ["organizations", "common"]

    public func user(username: String) -> DevUser? {
        users.first { $0.username.lowercased() == username.lowercased() }
    }

    public func user(oid: String) -> DevUser? {
        users.first { $0.oid == oid }
    }

    /// The app whose client id, name or identifier URI is `identifier`.
    public func application(_ identifier: String) -> DevApplication? {
        applications.first { $0.appID.lowercased() == identifier.lowercased() }
            ?? applications.first { $0.name == identifier }
            ?? applications.first { $0.identifies(identifier) }
    }
}

/// A user who can sign in with a dev password.
public struct DevUser: Sendable {
    public var oid: String
    /// `preferred_username` and `upn`.
    public var username: String
    public var name: String
    public var email: String
    public var password: Secret
    /// App roles per resource app name, e.g. `concierge: [Baton.Auditor]`.
    public var roles: [String: [String]]
    /// Conditional Access demands MFA for every downstream this user reaches by OBO.
    public var mfaRequired: Bool

    public init(
        oid: String, username: String, name: String, email: String, password: Secret, roles: [String: [String]] = [:], mfaRequired: Bool = false
    ) {
        self.oid = oid
        self.username = username
        self.name = name
        self.email = email
        self.password = password
        self.roles = roles
        self.mfaRequired = mfaRequired
    }
}

/// An app registration: a client, a resource, or (for middle tiers) both.
public struct DevApplication: Sendable {
    /// A short name used in this file and in messages, e.g. `itsm`.
    public var name: String
    /// The application (client) id GUID: `aud` of v2 tokens, `azp`/`appid` of tokens it obtains.
    public var appID: String
    /// The service principal's object id: `oid` of its app-only tokens.
    public var objectID: String
    /// `identifierUris`, e.g. `api://itsm`.
    public var identifierURIs: [String]
    /// Delegated scopes it exposes, e.g. `access_as_user`.
    public var scopes: [String]
    /// App roles it defines.
    public var roles: [String]
    /// `accessTokenAcceptedVersion`: 1 or 2.
    public var accessTokenVersion: Int
    /// A public client has no credential and cannot do OBO.
    public var isPublicClient: Bool
    public var secrets: [Secret]
    /// Client certificates (DER) it may sign client assertions with.
    public var certificates: [Data]
    /// Resources it calls and whether an admin has consented.
    public var permissions: [DevPermission]
    /// Clients that may obtain its scopes without consent.
    public var preAuthorized: [DevPreAuthorization]
    /// Conditional Access: tokens for this resource need MFA.
    public var requiresMFA: Bool
    /// Where the authorization endpoint may send codes; see ``accepts(redirectURI:)`` for loopback URIs.
    public var redirectURIs: [String]

    public init(
        name: String, appID: String, objectID: String, identifierURIs: [String] = [], scopes: [String] = [], roles: [String] = [],
        accessTokenVersion: Int = 2, isPublicClient: Bool = false, secrets: [Secret] = [], certificates: [Data] = [],
        permissions: [DevPermission] = [], preAuthorized: [DevPreAuthorization] = [], requiresMFA: Bool = false, redirectURIs: [String] = []
    ) {
        self.name = name
        self.appID = appID
        self.objectID = objectID
        self.identifierURIs = identifierURIs
        self.scopes = scopes
        self.roles = roles
        self.accessTokenVersion = accessTokenVersion
        self.isPublicClient = isPublicClient
        self.secrets = secrets
        self.certificates = certificates
        self.permissions = permissions
        self.preAuthorized = preAuthorized
        self.requiresMFA = requiresMFA
        self.redirectURIs = redirectURIs
    }

    /// Whether `identifier` is this app's client id, `api://{appId}` or one of its identifier URIs.
    public func identifies(_ identifier: String) -> Bool {
        let trimmed = URLText.trimmingTrailingSlash(identifier)
        return trimmed.lowercased() == appID.lowercased() || trimmed.lowercased() == "api://\(appID.lowercased())"
            || identifierURIs.contains { $0.lowercased() == trimmed.lowercased() }
    }
}

/// A required permission on a resource: scopes and app roles requested, and whether consent was granted.
public struct DevPermission: Sendable {
    /// The resource app's name.
    public var resource: String
    public var scopes: [String]
    /// App roles granted for client-credentials tokens.
    public var roles: [String]
    public var consented: Bool

    public init(resource: String, scopes: [String], roles: [String] = [], consented: Bool) {
        self.resource = resource
        self.scopes = scopes
        self.roles = roles
        self.consented = consented
    }
}

/// A client pre-authorized for some of a resource's scopes.
public struct DevPreAuthorization: Sendable {
    /// The client app's name.
    public var client: String
    public var scopes: [String]

    public init(client: String, scopes: [String]) {
        self.client = client
        self.scopes = scopes
    }
}
