import BatonConfig
import BatonCore
import Foundation

/// One `connectors/<name>.yaml` file: which API, where, and the audience and scopes to
/// exchange the user's token for.
///
/// ```yaml
/// name: servicenow
/// kind: servicenow            # servicenow | graph | salesforce | rest | mcp
/// base_url: ${BATON_SERVICENOW_URL:-https://dev12345.service-now.com}
/// audience: api://servicenow  # the ServiceNow API connector app in Entra
/// scopes: [user_impersonation]
/// ```
public struct ConnectorDefinition: Sendable {
    public enum Kind: String, ConfigChoice, Sendable {
        case servicenow, graph, salesforce, rest, mcp
    }

    public var name: String
    public var kind: Kind
    public var baseURL: String
    public var audience: String
    public var scopes: ScopeSet
    public var timeout: Duration
    public var retries: Int
    /// Salesforce: the API version, e.g. `v62.0`.
    public var apiVersion: String?
    /// Generic REST: the declared operations.
    public var operations: [RESTOperation]
    /// MCP: the server's tools agents may call (their schemas come from the server).
    public var tools: [String]
    /// ServiceNow: what the instance's OIDC inbound integration expects, for `baton doctor`.
    public var expectedInbound: ServiceNowOIDCSettings?
    /// A CA (PEM) to trust for `base_url` besides the system's: an instance behind an
    /// internal CA, or the dev stack's emulator. Unset or empty: the system's CAs only.
    public var caFile: String?
    /// The file it was read from.
    public var file: String

    /// Reads one definition; errors name the file and the field.
    public static func load(file path: String, environment: [String: String]) throws(ConfigError) -> ConnectorDefinition {
        let document = try ConfigDocument.definition(file: path, kind: "connector", environment: environment)
        return try ConnectorDefinition(root: document.rootSection(), file: path)
    }

    init(root: ConfigSection, file: String) throws(ConfigError) {
        self.file = file
        name = try root.requiredValue("name")
        guard Self.isValidName(name) else { throw root.invalid("name", "use lower-case letters, digits, - and _") }
        kind = try root.requiredValue("kind")
        baseURL = kind == .graph ? try root.value("base_url", default: "https://graph.microsoft.com/v1.0") : try root.requiredValue("base_url")
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw root.invalid("base_url", "must be an http(s) URL")
        }
        audience = try root.value("audience", default: kind == .graph ? "https://graph.microsoft.com" : "")
        // An MCP server may name its own in its protected-resource metadata (RFC 9728).
        guard !audience.isEmpty || kind == .mcp else {
            throw root.invalid("audience", "name the resource to exchange the user's token for (app id or api:// URI)")
        }
        scopes = ScopeSet(try root.list("scopes", default: [String]()))
        timeout = try root.value("timeout", default: Duration.seconds(30))
        guard timeout > .zero else { throw root.invalid("timeout", "must be positive") }
        caFile = try root.optionalValue("ca_file").flatMap { (path: String) in path.isEmpty ? nil : path }
        if let caFile {
            do {
                _ = try TrustedClients.certificates(in: caFile)
            } catch {
                throw root.invalid("ca_file", "cannot read a PEM certificate from \(caFile): \(error)")
            }
        }
        retries = try root.value("retries", default: 3)
        guard (1...10).contains(retries) else { throw root.invalid("retries", "must be between 1 and 10 attempts") }
        apiVersion = kind == .salesforce ? try root.value("api_version", default: "v62.0") : nil
        operations = []
        expectedInbound = nil
        tools = kind == .mcp ? try root.list("tools", default: [String]()) : []
        if kind == .mcp {
            guard !tools.isEmpty else { throw root.invalid("tools", "an mcp connector names the server's tools agents may call, e.g. [whoami]") }
            if let bad = tools.first(where: {
                $0.isEmpty || $0.count > 128 || !$0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
            }) {
                throw root.invalid("tools", "'\(bad)' is not an MCP tool name (1–128 of A–Z, a–z, 0–9, _, - and .)")
            }
        }
        if kind == .rest {
            for section in try root.sections("operations") { operations.append(try Self.operation(section)) }
            guard !operations.isEmpty else { throw root.invalid("operations", "a rest connector declares at least one operation") }
            let names = operations.map(\.name)
            if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw root.invalid("operations", "the operation name '\(duplicate)' is used twice")
            }
        }
        if kind == .servicenow {
            let inbound = try root.section("oidc")
            if inbound.isPresent {
                let clockSkew: Duration = try inbound.value("clock_skew", default: Duration.seconds(300))
                expectedInbound = ServiceNowOIDCSettings(
                    metadataURL: try inbound.requiredValue("metadata_url"), clientID: try inbound.requiredValue("client_id"),
                    userClaim: try inbound.value("user_claim", default: "preferred_username"),
                    userField: try inbound.value("user_field", default: "email"),
                    jtiVerification: try inbound.value("jti_verification", default: false),
                    clockSkewSeconds: Int(clockSkew.components.seconds))
                try inbound.finish()
            }
        }
        try root.finish()
    }

    private static func operation(_ section: ConfigSection) throws(ConfigError) -> RESTOperation {
        let name: String = try section.requiredValue("name")
        guard isValidName(name) else { throw section.invalid("name", "use lower-case letters, digits, - and _") }
        let method: String = try section.requiredValue("method")
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased()) else {
            throw section.invalid("method", "one of GET, POST, PUT, PATCH, DELETE")
        }
        let path: String = try section.requiredValue("path")
        guard path.hasPrefix("/") else { throw section.invalid("path", "must start with /") }
        var parameters: [RESTOperation.Parameter] = []
        for parameter in try section.sections("parameters") {
            let location: String = try parameter.value("in", default: "query")
            guard let place = RESTOperation.Location(rawValue: location) else { throw parameter.invalid("in", "one of path, query, body") }
            parameters.append(
                RESTOperation.Parameter(
                    name: try parameter.requiredValue("name"), location: place, required: try parameter.value("required", default: false),
                    description: try parameter.value("description", default: "")))
            try parameter.finish()
        }
        let operation = RESTOperation(
            name: name, description: try section.value("description", default: name), method: method, path: path, parameters: parameters)
        for placeholder in operation.pathPlaceholders where !parameters.contains(where: { $0.name == placeholder && $0.location == .path }) {
            throw section.invalid("path", "{\(placeholder)} has no parameter with in: path")
        }
        try section.finish()
        return operation
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "_" }
    }
}
