import BatonA2A
import BatonAgents
import BatonConfig
import BatonConnectors
import BatonCore
import BatonIdentity
import Hummingbird

/// The A2A agent card of each local agent, built from its definition: where its JSON-RPC
/// endpoint is, how to sign in for it (the configured issuer's OpenID Connect metadata,
/// with the agent's own scopes), and what it does.
struct AgentCards: Sendable {
    /// The definitions in force: a card always describes the agent as it is now.
    let mesh: AgentMesh
    var catalog: AgentCatalog { mesh.definitions.catalog }
    var connectors: ConnectorCatalog { mesh.definitions.connectors }
    /// `server.public_url`, if set.
    let publicURL: String?
    /// The discovery document of the issuer whose tokens the agents accept.
    let discoveryURL: String?

    init(mesh: AgentMesh, server: ServerSettings, identity: IdentitySettings) {
        self.mesh = mesh
        self.publicURL = server.publicURL
        self.discoveryURL = identity.issuers.first.flatMap(Self.discoveryURL)
    }

    /// The daemon's base URL as clients reach it: `server.public_url`, else the scheme
    /// and host the request came to.
    func base(of request: Request) -> String {
        if let publicURL { return publicURL }
        let host = request.head.authority ?? "localhost"
        return "\(request.head.scheme ?? "http")://\(host)"
    }

    /// The scopes a client asks for to call `definition`, in full as it requests them:
    /// `api://concierge/access_as_user`.
    func scopes(of definition: AgentDefinition) -> [String] {
        definition.acceptedScopes.sorted().map { "\(URLText.trimmingTrailingSlash(definition.resource))/\($0)" }
    }

    /// The issuer identifier of the identity provider whose tokens the agents accept: its
    /// discovery document's URL without `/.well-known/openid-configuration`.
    var issuer: String? {
        let suffix = "/.well-known/openid-configuration"
        guard let discoveryURL, discoveryURL.hasSuffix(suffix) else { return nil }
        return String(discoveryURL.dropLast(suffix.count))
    }

    /// The URL of `agent`'s JSON-RPC endpoint.
    static func endpoint(of agent: AgentID, base: String) -> String {
        "\(base)/a2a/\(agent.rawValue)"
    }

    /// The card of a local agent; the extended card (for a signed-in caller) also lists
    /// its tools and delegates as skills.
    func card(for definition: AgentDefinition, base: String, extended: Bool = false) -> AgentCard {
        let scopes = scopes(of: definition)
        var skills = [
            AgentSkill(
                id: definition.id.rawValue, name: definition.id.rawValue, description: definition.description,
                tags: ["baton"] + (definition.isFrontDoor ? ["front-door"] : []))
        ]
        if extended {
            skills += AgentCatalog.allowedTools(of: definition, connectors: connectors).map { tool in
                AgentSkill(id: "tool:\(tool)", name: tool, description: "calls \(tool) as the signed-in user", tags: ["tool"])
            }
            skills += definition.delegates.map { delegate in
                AgentSkill(
                    id: "delegate:\(delegate.agent.rawValue)", name: delegate.agent.rawValue,
                    description: "delegates to \(delegate.agent.rawValue) with a fresh on-behalf-of token", tags: ["delegate"])
            }
        }
        let audience = definition.audiences.sorted().first ?? definition.clientID
        return AgentCard(
            name: definition.id.rawValue, description: definition.description,
            // JSON-RPC first (the preferred binding), then HTTP+JSON at the same URL.
            supportedInterfaces: [
                AgentInterface(url: Self.endpoint(of: definition.id, base: base)),
                AgentInterface(url: Self.endpoint(of: definition.id, base: base), protocolBinding: "HTTP+JSON"),
            ],
            provider: AgentProvider(url: base, organization: "Baton"), version: "1.0.0",
            capabilities: AgentCapabilities(
                streaming: true, pushNotifications: false, extendedAgentCard: true,
                extensions: [
                    AgentExtension(
                        uri: DelegationChainExtension.uri,
                        description: "the delegation chain (chain id, hop, actor path) as a JWS signed by this daemon's ledger key",
                        params: ["jwks_uri": .string(base + DelegationChainExtension.keysPath)])
                ]),
            securitySchemes: discoveryURL.map {
                ["entra": .openIDConnect($0, description: "a token for \(audience) (OAuth 2.0 on-behalf-of at every hop after this one)")]
            }, securityRequirements: discoveryURL.map { _ in [SecurityRequirement(["entra": scopes])] }, skills: skills)
    }

    private static func discoveryURL(of issuer: IssuerSettings) -> String? {
        switch issuer.kind {
        case .oidc: issuer.discoveryURL
        case .entra:
            issuer.authority.flatMap { authority in
                (issuer.multiTenant ? "organizations" : issuer.tenants.first).map {
                    EntraEndpoints.discoveryDocument(authority: authority, tenant: $0)
                }
            }
        }
    }
}
