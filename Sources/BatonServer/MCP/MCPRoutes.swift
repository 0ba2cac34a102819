import BatonAgents
import BatonCore
import Hummingbird

/// MCP over Streamable HTTP: every local agent at `/mcp/{agent}` (``MCPService``) and its
/// OAuth protected-resource metadata (RFC 9728) at the path-inserted well-known URL,
/// `/.well-known/oauth-protected-resource/mcp/{agent}`.
struct MCPRoutes {
    let cards: AgentCards
    let service: MCPService

    func register(on router: Router<BatonRequestContext>) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on("mcp/:agent", method: method) { request, context -> Response in
                try await service.handle(request, agent: try context.parameters.require("agent"))
            }
        }
        router.get(".well-known/oauth-protected-resource/mcp/:agent") { request, context -> Response in
            let agent = try context.parameters.require("agent")
            guard let definition = cards.catalog.definition(named: agent), definition.isLocal else {
                throw HTTPError(.notFound, message: "no local agent is named '\(agent)'")
            }
            return HealthRoutes.json(
                .ok, bytes: metadata(of: definition, base: cards.base(of: request)).serialized, headers: [.cacheControl: "public, max-age=3600"])
        }
    }

    /// The agent's protected-resource metadata: the MCP URL clients use as `resource`, the
    /// issuer that grants tokens for it, and the scopes to ask for (`api://itsm/access_as_user`).
    func metadata(of definition: AgentDefinition, base: String) -> JSONValue {
        var document: JSONObject = [
            "resource": .string(Self.endpoint(of: definition.id.rawValue, base: base)),
            "scopes_supported": .array(cards.scopes(of: definition).map(JSONValue.string)), "bearer_methods_supported": ["header"],
            "resource_name": .string("Baton agent \(definition.id.rawValue)"),
        ]
        document["authorization_servers"] = .array(cards.issuer.map { [.string($0)] } ?? [])
        return .object(document)
    }

    /// The agent's MCP endpoint as clients reach it.
    static func endpoint(of agent: String, base: String) -> String {
        "\(base)/mcp/\(agent)"
    }

    /// Where the agent's protected-resource metadata is.
    static func metadataURL(of agent: String, base: String) -> String {
        "\(base)/.well-known/oauth-protected-resource/mcp/\(agent)"
    }
}
