import BatonCore

/// What an A2A agent says of itself (A2A 1.0 `AgentCard`): where and how to call it, how
/// to authenticate, what it can do. Served at `/.well-known/agent-card.json`.
public struct AgentCard: Codable, Sendable, Equatable {
    public var name: String
    public var description: String
    /// Where to call it; clients take the first interface whose binding they speak.
    public var supportedInterfaces: [AgentInterface]
    public var provider: AgentProvider?
    public var version: String
    public var documentationUrl: String?
    public var capabilities: AgentCapabilities
    public var securitySchemes: [String: SecurityScheme]?
    /// Any one requirement suffices; within one, every named scheme is needed.
    public var securityRequirements: [SecurityRequirement]?
    public var defaultInputModes: [String]
    public var defaultOutputModes: [String]
    public var skills: [AgentSkill]

    public init(
        name: String, description: String, supportedInterfaces: [AgentInterface], provider: AgentProvider? = nil, version: String,
        capabilities: AgentCapabilities, securitySchemes: [String: SecurityScheme]? = nil, securityRequirements: [SecurityRequirement]? = nil,
        defaultInputModes: [String] = ["text/plain"], defaultOutputModes: [String] = ["text/plain", "application/json"], skills: [AgentSkill]
    ) {
        self.name = name
        self.description = description
        self.supportedInterfaces = supportedInterfaces
        self.provider = provider
        self.version = version
        self.capabilities = capabilities
        self.securitySchemes = securitySchemes
        self.securityRequirements = securityRequirements
        self.defaultInputModes = defaultInputModes
        self.defaultOutputModes = defaultOutputModes
        self.skills = skills
    }
}

/// One endpoint of an agent: its URL (used as written), binding and protocol version.
public struct AgentInterface: Codable, Sendable, Equatable {
    public var url: String
    /// `JSONRPC`, `GRPC` or `HTTP+JSON`.
    public var protocolBinding: String
    public var protocolVersion: String

    public init(url: String, protocolBinding: String = "JSONRPC", protocolVersion: String = A2AProtocol.version) {
        self.url = url
        self.protocolBinding = protocolBinding
        self.protocolVersion = protocolVersion
    }
}

public struct AgentProvider: Codable, Sendable, Equatable {
    public var url: String
    public var organization: String

    public init(url: String, organization: String) {
        self.url = url
        self.organization = organization
    }
}

public struct AgentCapabilities: Codable, Sendable, Equatable {
    public var streaming: Bool?
    public var pushNotifications: Bool?
    public var extendedAgentCard: Bool?
    public var extensions: [AgentExtension]?

    public init(streaming: Bool? = nil, pushNotifications: Bool? = nil, extendedAgentCard: Bool? = nil, extensions: [AgentExtension]? = nil) {
        self.streaming = streaming
        self.pushNotifications = pushNotifications
        self.extendedAgentCard = extendedAgentCard
        self.extensions = extensions
    }
}

/// An A2A extension the agent supports, named by its URI.
public struct AgentExtension: Codable, Sendable, Equatable {
    public var uri: String
    public var description: String?
    public var required: Bool?
    public var params: JSONValue?

    public init(uri: String, description: String? = nil, required: Bool? = nil, params: JSONValue? = nil) {
        self.uri = uri
        self.description = description
        self.required = required
        self.params = params
    }
}

public struct AgentSkill: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var description: String
    public var tags: [String]
    public var examples: [String]?

    public init(id: String, name: String, description: String, tags: [String], examples: [String]? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.tags = tags
        self.examples = examples
    }
}

/// How to authenticate (one of the A2A scheme kinds; Baton publishes OpenID Connect).
public struct SecurityScheme: Codable, Sendable, Equatable {
    public struct OpenIDConnect: Codable, Sendable, Equatable {
        /// The issuer's `/.well-known/openid-configuration`.
        public var openIdConnectUrl: String
        public var description: String?
    }

    public var openIdConnectSecurityScheme: OpenIDConnect?
    /// Other kinds, kept as they came (`oauth2SecurityScheme`, `httpAuthSecurityScheme`, …).
    public var oauth2SecurityScheme: JSONValue?
    public var httpAuthSecurityScheme: JSONValue?

    public static func openIDConnect(_ url: String, description: String? = nil) -> SecurityScheme {
        SecurityScheme(openIdConnectSecurityScheme: OpenIDConnect(openIdConnectUrl: url, description: description))
    }

    init(openIdConnectSecurityScheme: OpenIDConnect? = nil) {
        self.openIdConnectSecurityScheme = openIdConnectSecurityScheme
    }
}

/// Scheme names to the scopes each needs.
public struct SecurityRequirement: Codable, Sendable, Equatable {
    public struct Scopes: Codable, Sendable, Equatable {
        public var list: [String]?
    }

    public var schemes: [String: Scopes]

    public init(_ schemes: [String: [String]]) {
        self.schemes = schemes.mapValues { Scopes(list: $0.isEmpty ? nil : $0) }
    }
}

/// The protocol this implementation speaks.
public enum A2AProtocol {
    public static let version = "1.0"
    /// The header naming the protocol version of a request.
    public static let versionHeader = "A2A-Version"
    /// The header listing the extensions a client asks for (comma-separated URIs).
    public static let extensionsHeader = "A2A-Extensions"
    /// Where an agent's card is, below its base URL.
    public static let cardPath = "/.well-known/agent-card.json"
}
