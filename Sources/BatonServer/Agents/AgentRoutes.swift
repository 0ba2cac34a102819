import BatonAgents
import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import Foundation
internal import HTTPTypes
import Hummingbird
import Metrics

/// The agents over HTTP.
///
/// - `POST /v1/agents/{id}/invoke`: the bearer token's audience must be that agent. JSON
///   `{"input": "…"}` in; `{"answer", "data", "chain_id", "hops"}` out — or, with
///   `Accept: text/event-stream`, each step as it happens and the result last. Chain
///   headers (`traceparent`, `Baton-Chain-Id`, `Baton-Hop`, …) make it a remote hop of an
///   existing chain; the user still comes from the token alone.
/// - `GET /v1/agents`: the agents, their delegates and tools.
/// - `GET /v1/chains/{id}`: a chain's ledger entries, for its user or an auditor.
struct AgentRoutes {
    static let maximumBody = 64 * 1024

    let system: AgentSystem
    let storage: StorageService
    let metrics: any MetricsFactory

    struct InvokeRequest: Decodable {
        var input: String
    }

    /// Routes that verify their own token (per agent).
    func registerInvoke(on router: Router<BatonRequestContext>) {
        router.post("v1/agents/:id/invoke") { request, context -> Response in
            try await invoke(request, context)
        }
    }

    /// Routes behind the API's bearer middleware.
    func register(on group: RouterGroup<BatonRequestContext>) {
        group.get("agents") { _, _ -> Response in
            let agents = system.catalog.ordered.map { definition -> JSONValue in
                [
                    "id": .string(definition.id.rawValue), "description": .string(definition.description),
                    "front_door": .bool(definition.isFrontDoor),
                    "audiences": .array(definition.audiences.sorted().map(JSONValue.string)),
                    "delegates": .array(definition.delegates.map { .string($0.agent.rawValue) }),
                    "connectors": .array(definition.connectors.map { .string($0.connector) }),
                    "tools": .array(AgentCatalog.allowedTools(of: definition, connectors: system.connectors).map(JSONValue.string)),
                    "remote": definition.remote.map(JSONValue.string) ?? .null,
                    "a2a": definition.a2a.map(JSONValue.string) ?? .null,
                ]
            }
            return HealthRoutes.json(.ok, ["agents": JSONValue.array(agents)])
        }
        group.get("chains/:id") { _, context -> Response in
            guard let caller = context.caller?.principal else { throw HTTPError(.unauthorized) }
            let chainID = try context.parameters.require("id")
            guard let ledger = await storage.ledger() else { throw HTTPError(.serviceUnavailable, message: "the ledger is not open yet") }
            let entries = try await LedgerQuery(chainID: chainID, limit: 10_000).run(on: ledger.reader).entries
            let isUser = entries.first?.user?.isSameUser(as: caller.chainUser) ?? false
            // Someone else's chain is as absent as one that does not exist.
            guard !entries.isEmpty, isUser || caller.roles.contains(AuditRoutes.auditorRole) else {
                throw HTTPError(.notFound, message: "no chain \(chainID) that you may see")
            }
            return HealthRoutes.json(.ok, ChainBody(chainID: chainID, entries: entries, tree: ChainTree(entries: entries).rendered))
        }
    }

    struct ChainBody: Encodable {
        var chainID: String
        var entries: [LedgerEntry]
        var tree: String

        enum CodingKeys: String, CodingKey {
            case chainID = "chain_id"
            case entries, tree
        }
    }

    // MARK: - Invoke

    private func invoke(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let token = BearerTokenMiddleware.bearerToken(request.headers[.authorization]) else {
            return BearerTokenMiddleware.refusal(.missing)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            throw HTTPError(.contentTooLarge, message: "the request body is larger than \(Self.maximumBody) bytes")
        }
        guard let body = try? JSONDecoder().decode(InvokeRequest.self, from: Data(buffer: buffer)),
            !body.input.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw HTTPError(.badRequest, message: #"the body must be JSON {"input": "…"} with a non-empty input"#)
        }
        let runtime: AgentRuntime
        do {
            runtime = try await system.runtime()
        } catch .identityNotConfigured {
            return ErrorResponse(status: .serviceUnavailable, code: "identity_not_configured", message: "configure identity.issuers to run agents")
                .response()
        } catch {
            return ErrorResponse(status: .serviceUnavailable, code: "not_ready", message: "the vault and ledger are not open yet").response()
        }
        guard runtime.catalog.definition(named: id) != nil else {
            // Authenticate before routing: without a genuine token, an unknown agent refuses as a known one does.
            if let rejection = await runtime.authenticityRejection(of: Secret(token)) {
                count(id, rejection.code)
                return ErrorResponse(AgentError.tokenRejected(agent: id, rejection: rejection)).response()
            }
            throw HTTPError(.notFound, message: "no agent is named '\(id)'")
        }
        let position = ChainPosition { name in request.headers[HTTPField.Name(name)!] }
        let traceID = position == nil ? TraceContext(traceparent: request.headers[HTTPField.Name(TraceContext.header)!])?.traceID : nil
        if request.headers[.accept]?.contains("text/event-stream") == true {
            return stream(runtime, agent: id, input: body.input, token: Secret(token), position: position, traceID: traceID)
        }
        do throws(AgentError) {
            let answer = try await runtime.invoke(agent: id, input: body.input, token: Secret(token), joining: position, traceID: traceID)
            count(id, "ok")
            return HealthRoutes.json(.ok, bytes: Self.body(of: answer).serialized)
        } catch {
            count(id, error.code)
            return ErrorResponse(error).response()
        }
    }

    /// The answer as JSON, written by the fast serializer (a chain's `data` can be large).
    static func body(of answer: AgentAnswer) -> JSONValue {
        let hops = answer.hops.map { hop -> JSONValue in
            [
                "hop": .integer(Int64(hop.hop)), "parent_hop": hop.parentHop.map { .integer(Int64($0)) } ?? .null, "agent": .string(hop.agent),
                "audience": .string(hop.audience), "latency_us": .integer(hop.latencyMicroseconds),
            ]
        }
        return ["answer": .string(answer.text), "data": answer.data ?? .null, "chain_id": .string(answer.chainID), "hops": .array(hops)]
    }

    /// Server-sent events: one per step, then `result` (or `error`).
    private func stream(
        _ runtime: AgentRuntime, agent: String, input: String, token: Secret, position: ChainPosition?, traceID: String?
    ) -> Response {
        let (events, continuation) = AsyncStream.makeStream(of: String.self)
        let metrics = metrics
        Task {
            do throws(AgentError) {
                let answer = try await runtime.invoke(
                    agent: agent, input: input, token: token, joining: position, traceID: traceID,
                    events: { event in continuation.yield(Self.event(event.name, .object(event.fields))) })
                continuation.yield("event: result\ndata: \(String(decoding: Self.body(of: answer).serialized, as: UTF8.self))\n\n")
                Counter(label: "baton_agent_invocations_total", dimensions: [("agent", agent), ("outcome", "ok")], factory: metrics).increment()
            } catch {
                continuation.yield(Self.event("error", ["code": .string(error.code), "message": .string(error.description)]))
                Counter(label: "baton_agent_invocations_total", dimensions: [("agent", agent), ("outcome", error.code)], factory: metrics).increment()
            }
            continuation.finish()
        }
        return ServerSentEvents.response(events)
    }

    static func event(_ name: String, _ fields: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(fields)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(name)\ndata: \(data)\n\n"
    }

    private func count(_ agent: String, _ outcome: String) {
        Counter(label: "baton_agent_invocations_total", dimensions: [("agent", agent), ("outcome", outcome)], factory: metrics).increment()
    }
}
