import BatonA2A
import BatonAgents
import BatonCore
import Hummingbird

/// A2A 1.0 over HTTP: every local agent's card and JSON-RPC endpoint.
///
/// - `GET /.well-known/agent-card.json`: the front door's card.
/// - `GET /a2a/{agent}/.well-known/agent-card.json`: any local agent's card.
/// - `POST /a2a/{agent}`: the agent's JSON-RPC endpoint (``A2AService``), and under it
///   the HTTP+JSON binding (``A2ARESTRoute``).
/// - `GET /.well-known/baton-keys.json`: the ledger key's public half, to verify this
///   daemon's delegation-chain assertions with (``DelegationChainExtension``).
struct A2ARoutes {
    let cards: AgentCards
    let service: A2AService
    let storage: StorageService

    func register(on router: Router<BatonRequestContext>) {
        router.get(RouterPath(A2AProtocol.cardPath)) { request, _ -> Response in
            guard let frontDoor = cards.catalog.ordered.first(where: { $0.isFrontDoor && $0.isLocal }) else {
                throw HTTPError(.notFound, message: "no front-door agent is configured")
            }
            return try card(frontDoor.id.rawValue, request)
        }
        router.get("a2a/:agent/.well-known/agent-card.json") { request, context -> Response in
            try card(try context.parameters.require("agent"), request)
        }
        router.get(RouterPath(DelegationChainExtension.keysPath)) { _, _ -> Response in
            guard let signer = await storage.signer() else { throw HTTPError(.serviceUnavailable, message: "the stores are not open yet") }
            return HealthRoutes.json(.ok, bytes: ChainAssertion.keySet(of: signer).serialized)
        }
        router.post("a2a/:agent") { request, context -> Response in
            try await service.handle(request, agent: try context.parameters.require("agent"))
        }
        // The HTTP+JSON binding under the same URL.
        for method in [HTTPRequest.Method.get, .post, .delete] {
            router.on("a2a/:agent/**", method: method) { request, context -> Response in
                try await service.handle(request, agent: try context.parameters.require("agent"), path: context.parameters.getCatchAll())
            }
        }
    }

    private func card(_ agent: String, _ request: Request) throws -> Response {
        guard let definition = cards.catalog.definition(named: agent), definition.isLocal else {
            throw HTTPError(.notFound, message: "no local agent is named '\(agent)'")
        }
        return HealthRoutes.json(.ok, bytes: try JSONValue(encoding: cards.card(for: definition, base: cards.base(of: request))).serialized)
    }
}
