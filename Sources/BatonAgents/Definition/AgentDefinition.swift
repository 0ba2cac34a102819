import BatonConfig
import BatonCore
import BatonIdentity
import Foundation

/// One `agents/<id>.yaml` file: who the agent is (its own app registration), what it
/// accepts, whom it may delegate to and which connectors it may call with which scopes,
/// its brain and its limits — or, with `remote:`, where another Baton daemon runs it, or,
/// with `a2a:`, where any A2A 1.0 agent publishes its card, or, with `agentcore:`, the
/// AgentCore Runtime app (``AgentCoreAppSettings``) Baton calls for it.
public struct AgentDefinition: Sendable {
    /// A delegate the agent may hand work to, and the scopes it may ask for on it.
    public struct Delegation: Sendable, Equatable {
        public var agent: AgentID
        public var scopes: ScopeSet
    }

    /// A connector the agent may call, and the scopes it may ask for on its audience.
    public struct ConnectorGrant: Sendable, Equatable {
        public var connector: String
        public var scopes: ScopeSet
    }

    public var id: AgentID
    public var description: String
    /// The agent users sign in to (`baton invoke` picks it by default).
    public var isFrontDoor: Bool
    /// The agent's app (client) id.
    public var clientID: String
    /// How it authenticates at the token endpoint; `nil` for a remote agent.
    public var credential: ClientCredential?
    /// The identifier callers exchange for, e.g. `api://triage`.
    public var resource: String
    /// The token endpoint; `nil` derives it from the issuer's authority and the user's tenant.
    public var tokenEndpoint: String?
    /// Audiences a token for this agent may carry (its client id and identifier URIs).
    public var audiences: Set<String>
    /// Scopes of which an incoming token must hold one.
    public var acceptedScopes: Set<String>
    public var delegates: [Delegation]
    public var connectors: [ConnectorGrant]
    /// Tools it may call, as `connector.tool`; empty allows every tool of its connectors.
    public var tools: [String]
    public var brain: BrainSettings
    public var timeout: Duration
    public var maximumSteps: Int
    /// Another Baton daemon that runs this agent (`https://host:port`).
    public var remote: String?
    /// An A2A agent outside Baton: its card's URL, or the base URL its card is under
    /// (`…/.well-known/agent-card.json`).
    public var a2a: String?
    /// An AgentCore Runtime app that does the agent's work, with a workload access token
    /// Baton mints for each hop; Baton verifies its callers and exchanges its tokens.
    public var agentCore: AgentCoreAppSettings?

    /// Whether this daemon runs the agent's brain, rather than another daemon, an A2A agent or an AgentCore app.
    public var isLocal: Bool { remote == nil && a2a == nil && agentCore == nil }
    /// Whether a hop at this agent opens in this daemon (its brain or its AgentCore app runs here).
    public var opensHere: Bool { remote == nil && a2a == nil }
    /// The file it was read from.
    public var file: String

    public func delegation(to agent: AgentID) -> Delegation? {
        delegates.first { $0.agent == agent }
    }

    public func grant(for connector: String) -> ConnectorGrant? {
        connectors.first { $0.connector == connector }
    }

    /// Reads one definition; errors name the file and the field.
    public static func load(file path: String, environment: [String: String]) throws(ConfigError) -> AgentDefinition {
        let document = try ConfigDocument.definition(file: path, kind: "agent", environment: environment)
        return try AgentDefinition(root: document.rootSection(), file: path)
    }

    init(root: ConfigSection, file: String) throws(ConfigError) {
        self.file = file
        let name: String = try root.requiredValue("id")
        guard let id = AgentID(rawValue: name) else { throw root.invalid("id", "use lower-case letters, digits, - and _") }
        self.id = id
        description = try root.value("description", default: name)
        isFrontDoor = try root.value("front_door", default: false)
        remote = try root.optionalValue("remote")
        if let remote, URL(string: remote)?.host == nil || !(remote.hasPrefix("http://") || remote.hasPrefix("https://")) {
            throw root.invalid("remote", "must be the http(s) base URL of another Baton daemon")
        }
        a2a = try root.optionalValue("a2a")
        if let a2a {
            guard URL(string: a2a)?.host != nil, a2a.hasPrefix("http://") || a2a.hasPrefix("https://") else {
                throw root.invalid("a2a", "must be the http(s) URL of an A2A agent's card, or the base URL it is under")
            }
            guard remote == nil else { throw root.invalid("a2a", "an agent is either remote (another Baton daemon) or an A2A agent, not both") }
        }
        let agentCoreSection = try root.section("agentcore")
        if agentCoreSection.isPresent {
            guard remote == nil, a2a == nil else {
                throw root.invalid("agentcore", "an agent is one of: remote (another Baton daemon), an A2A agent, or an AgentCore app")
            }
            agentCore = try AgentCoreAppSettings(section: agentCoreSection, file: file)
        } else {
            agentCore = nil
        }

        let identity = try root.section("identity")
        clientID = try identity.requiredValue("client_id")
        resource = try identity.value("resource", default: "api://\(id)")
        tokenEndpoint = try identity.optionalValue("token_endpoint")
        credential = try Self.credential(identity, file: file, required: remote == nil && a2a == nil)
        try identity.finish()

        let accepts = try root.section("accepts")
        audiences = Set(try accepts.list("audiences", default: [clientID, resource]))
        acceptedScopes = Set(try accepts.list("scopes", default: ["access_as_user"]))
        try accepts.finish()

        delegates = []
        for section in try root.sections("delegates") {
            let name: String = try section.requiredValue("agent")
            guard let agent = AgentID(rawValue: name) else { throw section.invalid("agent", "'\(name)' is not an agent id") }
            delegates.append(Delegation(agent: agent, scopes: ScopeSet(try section.list("scopes", default: ["access_as_user"]))))
            try section.finish()
        }
        connectors = []
        for section in try root.sections("connectors") {
            let name: String = try section.requiredValue("name")
            connectors.append(ConnectorGrant(connector: name, scopes: ScopeSet(try section.list("scopes", default: [String]()))))
            try section.finish()
        }
        tools = try root.list("tools", default: [String]())
        for tool in tools where tool.split(separator: ".").count != 2 {
            throw root.invalid("tools", "'\(tool)' must be connector.tool, e.g. servicenow.query_incidents")
        }

        let brainSection = try root.section("brain")
        let local = remote == nil && a2a == nil && agentCore == nil
        brain = local ? try BrainSettings(section: brainSection) : .rules([])
        if !local { try brainSection.finish() }

        let limits = try root.section("limits")
        timeout = try limits.value("timeout", default: Duration.seconds(30))
        guard timeout > .zero else { throw limits.invalid("timeout", "must be positive") }
        maximumSteps = try limits.value("max_steps", default: 8)
        guard (1...100).contains(maximumSteps) else { throw limits.invalid("max_steps", "must be between 1 and 100") }
        try limits.finish()
        try root.finish()
    }

    private static func credential(_ identity: ConfigSection, file: String, required: Bool) throws(ConfigError) -> ClientCredential? {
        let secret: Secret? = try identity.optionalValue("secret")
        let secretFile: String? = try identity.optionalValue("secret_file")
        let certificate = try identity.section("certificate")
        let kinds = [secret != nil, secretFile != nil, certificate.isPresent].filter { $0 }.count
        guard kinds <= 1 else { throw identity.invalid("secret", "give one of secret, secret_file or certificate") }
        if let secret { return .secret(secret) }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        if let secretFile {
            let path = secretFile.hasPrefix("/") ? secretFile : directory.appendingPathComponent(secretFile).path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw identity.invalid("secret_file", "cannot read \(path)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw identity.invalid("secret_file", "\(path) is empty") }
            return .secret(Secret(value))
        }
        if certificate.isPresent {
            let keyFile: String = try certificate.requiredValue("key_file")
            let certificateFile: String = try certificate.requiredValue("certificate_file")
            let algorithm: String = try certificate.value("algorithm", default: "RS256")
            try certificate.finish()
            func read(_ name: String, _ key: String) throws(ConfigError) -> String {
                let path = name.hasPrefix("/") ? name : directory.appendingPathComponent(name).path
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw certificate.invalid(key, "cannot read \(path)") }
                return text
            }
            guard let signing = try? JWSSigningKey(pem: try read(keyFile, "key_file")) else {
                throw certificate.invalid("key_file", "not a PEM private key (RSA or P-256)")
            }
            let pem = try read(certificateFile, "certificate_file")
            let body = pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
            guard let der = Data(base64Encoded: body), !der.isEmpty else { throw certificate.invalid("certificate_file", "not a PEM certificate") }
            guard let jws = JWSAlgorithm(rawValue: algorithm), [.rs256, .ps256].contains(jws) else {
                throw certificate.invalid("algorithm", "RS256 or PS256")
            }
            return .certificate(key: signing, certificateDER: der, algorithm: jws)
        }
        guard !required else { throw identity.invalid("secret", "the agent needs a credential: secret, secret_file or certificate") }
        return nil
    }
}
