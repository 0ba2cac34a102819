import BatonA2A
import BatonAgents
import BatonCore
import Foundation
internal import HTTPTypes
import Hummingbird

/// The A2A 1.0 JSON-RPC binding of one agent: `POST /a2a/{agent}`.
///
/// The caller's bearer token must be for that agent (verified as a hop would verify it);
/// without one, or with one for another audience, the answer is HTTP 401 with a
/// `WWW-Authenticate` challenge. Everything after that is JSON-RPC: results and errors
/// alike are HTTP 200, errors with the codes A2A names.
struct A2AService: Sendable {
    static let maximumBody = 1024 * 1024
    static let maximumPageSize = 100
    static let defaultPageSize = 50

    let system: AgentSystem
    let storage: StorageService
    let cards: AgentCards
    let running: RunningTasks

    /// A JSON-RPC call: `POST /a2a/{agent}`.
    func handle(_ request: Request, agent: String) async throws -> Response {
        let caller: Caller
        switch try await identify(request, agent: agent) {
        case .success(let known): caller = known
        case .failure(let refusal): return refusal.response
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            return A2ABinding.jsonRPC.answer(.failure(.invalidRequest("the request body is larger than \(Self.maximumBody) bytes")), id: .null)
        }
        let call: JSONRPCRequest
        switch JSONRPCRequest.parse(body.readableBytesView) {
        case .success(let parsed): call = parsed
        case .failure(let failure): return A2ABinding.jsonRPC.answer(.failure(failure.error), id: failure.id)
        }
        return await dispatch(Call(caller, request: request, call: call, binding: .jsonRPC))
    }

    /// An HTTP+JSON call: `{method} /a2a/{agent}/{path}` (`message:send`, `tasks/{id}`, …),
    /// read as the JSON-RPC call it means and answered in HTTP+JSON.
    func handle(_ request: Request, agent: String, path: [Substring]) async throws -> Response {
        let caller: Caller
        switch try await identify(request, agent: agent) {
        case .success(let known): caller = known
        case .failure(let refusal): return refusal.response
        }
        var body = JSONValue.object([:])
        if request.method == .post {
            do {
                let bytes = try await request.body.collect(upTo: Self.maximumBody)
                if bytes.readableBytes > 0 { body = try StrictJSONParser.parse(bytes.readableBytesView) }
            } catch {
                return A2ABinding.httpJSON.answer(
                    .failure(.parseError("the body is not one JSON object of at most \(Self.maximumBody) bytes")), id: .null)
            }
        }
        let call: JSONRPCRequest
        do throws(A2AError) {
            call = try A2ARESTRoute.call(method: request.method, path: path, query: request.uri.queryParameters, body: body)
        } catch {
            return A2ABinding.httpJSON.answer(.failure(error), id: .null)
        }
        return await dispatch(Call(caller, request: request, call: call, binding: .httpJSON))
    }

    /// Who calls which agent: what every call works with once its token is checked.
    struct Caller: Sendable {
        let agent: String
        let definition: AgentDefinition
        let token: Secret
        let user: ChainUser
        /// The token's verification, which the chain's first hop takes instead of repeating it.
        let verified: VerifiedCaller
        let runner: A2ATaskRunner
    }

    /// Why a call is refused before A2A begins: an HTTP answer (401, 503).
    /// The caller, once the agent exists, the token is for it and the stores are open.
    private func identify(_ request: Request, agent: String) async throws -> Result<Caller, Refusal> {
        guard let definition = cards.catalog.definition(named: agent), definition.isLocal else {
            throw HTTPError(.notFound, message: "no local agent is named '\(agent)'")
        }
        guard let token = BearerTokenMiddleware.bearerToken(request.headers[.authorization]).map(Secret.init) else {
            return .failure(Refusal(response: BearerTokenMiddleware.refusal(.missing)))
        }
        let runtime: AgentRuntime
        switch await system.readyRuntime() {
        case .success(let ready): runtime = ready
        case .failure(let refusal): return .failure(refusal)
        }
        guard let store = await storage.tasks() else {
            return .failure(
                Refusal(response: ErrorResponse(status: .serviceUnavailable, code: "not_ready", message: "the task store is not open yet").response())
            )
        }
        do throws(AgentError) {
            let verified = try await runtime.caller(of: agent, token: token)
            let runner = A2ATaskRunner(runtime: runtime, store: store, running: running)
            return .success(
                Caller(agent: agent, definition: definition, token: token, user: verified.principal.chainUser, verified: verified, runner: runner))
        } catch {
            return .failure(Refusal(response: ErrorResponse(error).response()))
        }
    }

    /// What one call works with: the request, the call it makes, how to answer, and who calls.
    struct Call: Sendable {
        let request: Request
        let call: JSONRPCRequest
        let binding: A2ABinding
        let from: Caller

        init(_ caller: Caller, request: Request, call: JSONRPCRequest, binding: A2ABinding) {
            self.request = request
            self.call = call
            self.binding = binding
            self.from = caller
        }

        func answer(_ result: Result<JSONValue, A2AError>, headers: HTTPFields = [:]) -> Response {
            binding.answer(result, id: call.id, headers: headers)
        }
    }

    private func dispatch(_ context: Call) async -> Response {
        if let refusal = Self.versionRefusal(context.request.headers[HTTPField.Name(A2AProtocol.versionHeader)!]) {
            return context.answer(.failure(refusal))
        }
        switch context.call.method {
        case "SendMessage": return await sendMessage(context)
        case "SendStreamingMessage": return await sendStreamingMessage(context)
        case "GetTask": return context.answer(await result { () async throws(A2AError) in try await getTask(context) })
        case "ListTasks": return context.answer(await result { () async throws(A2AError) in try await listTasks(context) })
        case "CancelTask": return context.answer(await result { () async throws(A2AError) in try await cancelTask(context) })
        case "SubscribeToTask": return await subscribe(context)
        case "GetExtendedAgentCard":
            let card = cards.card(for: context.from.definition, base: cards.base(of: context.request), extended: true)
            return context.answer(.success((try? JSONValue(encoding: card)) ?? .null))
        case "CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig", "ListTaskPushNotificationConfigs",
            "DeleteTaskPushNotificationConfig":
            return context.answer(.failure(.pushNotificationNotSupported))
        default:
            return context.answer(.failure(.methodNotFound("no method '\(context.call.method)' (A2A 1.0 names methods such as SendMessage)")))
        }
    }

    private func result(_ body: () async throws(A2AError) -> JSONValue) async -> Result<JSONValue, A2AError> {
        do throws(A2AError) {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Methods

    /// `SendMessage` and `SendStreamingMessage` params, read from the parsed request.
    struct SendParams: JSONReadable {
        struct Configuration: JSONReadable {
            var historyLength: Int?
            var returnImmediately: Bool?

            init(json: JSONValue, path: String) throws(JSONShapeError) {
                let fields = try JSONFields(json, path: path)
                historyLength = try fields.integer(ifPresent: "historyLength")
                returnImmediately = try fields.bool(ifPresent: "returnImmediately")
            }
        }

        var message: A2AMessage
        var configuration: Configuration?

        init(json: JSONValue, path: String) throws(JSONShapeError) {
            let fields = try JSONFields(json, path: path)
            message = try fields.read("message")
            configuration = try fields.read(ifPresent: "configuration")
        }
    }

    private func sendMessage(_ context: Call) async -> Response {
        do throws(A2AError) {
            let params = try context.call.readParams(SendParams.self)
            try Self.checkHistoryLength(params.configuration?.historyLength)
            let position = try await chainPosition(of: params.message, context)
            if params.configuration?.returnImmediately == true {
                let task = try await context.from.runner.start(
                    params.message, to: context.from.agent, token: context.from.token, caller: context.from.verified,
                    traceID: Self.traceID(context.request), joining: position)
                return context.answer(.success(["task": Self.json(task.trimmingHistory(to: params.configuration?.historyLength))]))
            }
            let outcome = try await context.from.runner.send(
                params.message, to: context.from.agent, token: context.from.token, caller: context.from.verified,
                traceID: Self.traceID(context.request), joining: position)
            // A claims challenge keeps its WWW-Authenticate header beside the task that carries it.
            let headers = outcome.challenge.map { ErrorResponse($0).headers } ?? [:]
            guard let length = params.configuration?.historyLength else {
                // The task whole, as stored: its JSON is sent as it was serialized for the store.
                return context.binding.answer(task: outcome.json, id: context.call.id, headers: headers)
            }
            return context.answer(.success(["task": Self.json(outcome.task.trimmingHistory(to: length))]), headers: headers)
        } catch {
            return context.answer(.failure(error))
        }
    }

    private func sendStreamingMessage(_ context: Call) async -> Response {
        let params: SendParams
        let position: ChainPosition?
        do throws(A2AError) {
            params = try context.call.readParams(SendParams.self)
            try A2ATaskRunner.validate(params.message)
            position = try await chainPosition(of: params.message, context)
        } catch {
            return context.answer(.failure(error))
        }
        let (events, continuation) = AsyncStream.makeStream(of: String.self)
        let id = context.call.id
        let traceID = Self.traceID(context.request)
        Task {
            do throws(A2AError) {
                _ = try await context.from.runner.send(
                    params.message, to: context.from.agent, token: context.from.token, caller: context.from.verified, traceID: traceID,
                    joining: position,
                    progress: { event in continuation.yield(context.binding.event(.success(event.result), id: id)) })
            } catch {
                continuation.yield(context.binding.event(.failure(error), id: id))
            }
            continuation.finish()
        }
        return ServerSentEvents.response(events, cacheControl: "no-store")
    }

    /// `GetTask`, `CancelTask` and `SubscribeToTask` params.
    struct TaskParams: JSONReadable {
        var id: String
        var historyLength: Int?

        init(json: JSONValue, path: String) throws(JSONShapeError) {
            let fields = try JSONFields(json, path: path)
            id = try fields.string("id")
            historyLength = try fields.integer(ifPresent: "historyLength")
        }
    }

    private func getTask(_ context: Call) async throws(A2AError) -> JSONValue {
        let params = try context.call.readParams(TaskParams.self)
        try Self.checkHistoryLength(params.historyLength)
        let record = try await ownedTask(params.id, context)
        return Self.json(record.task.trimmingHistory(to: params.historyLength))
    }

    /// `ListTasks` params.
    struct ListParams: JSONReadable {
        var contextId: String?
        var status: A2ATaskState?
        var pageSize: Int?
        var pageToken: String?
        var historyLength: Int?
        var includeArtifacts: Bool?

        init(json: JSONValue, path: String) throws(JSONShapeError) {
            let fields = try JSONFields(json, path: path)
            contextId = try fields.string(ifPresent: "contextId")
            status = try fields.enumeration(ifPresent: "status")
            pageSize = try fields.integer(ifPresent: "pageSize")
            pageToken = try fields.string(ifPresent: "pageToken")
            historyLength = try fields.integer(ifPresent: "historyLength")
            includeArtifacts = try fields.bool(ifPresent: "includeArtifacts")
        }
    }

    private func listTasks(_ context: Call) async throws(A2AError) -> JSONValue {
        let params = try context.call.readParams(ListParams.self)
        try Self.checkHistoryLength(params.historyLength)
        let size = params.pageSize ?? Self.defaultPageSize
        guard (1...Self.maximumPageSize).contains(size) else { throw .invalidParams("pageSize must be between 1 and \(Self.maximumPageSize)") }
        var cursor: A2ATaskCursor?
        if let token = params.pageToken, !token.isEmpty {
            guard let parsed = A2ATaskCursor(token: token) else { throw .invalidParams("pageToken is not one this server issued") }
            cursor = parsed
        }
        let page: (records: [A2ATaskRecord], total: Int)
        do {
            page = try await context.from.runner.store.tasks(
                of: context.from.user, matching: A2ATaskFilter(contextID: params.contextId, state: params.status), after: cursor, limit: size + 1)
        } catch {
            throw .internalError("the task store could not be read; try again")
        }
        let shown = Array(page.records.prefix(size))
        let tasks = try shown.map { record throws(A2AError) -> JSONValue in
            var task = record.task.trimmingHistory(to: params.historyLength)
            if params.includeArtifacts != true { task.artifacts = nil }
            return Self.json(task)
        }
        let next = page.records.count > size ? shown.last?.cursor.token ?? "" : ""
        return ["tasks": .array(tasks), "nextPageToken": .string(next), "pageSize": .integer(Int64(size)), "totalSize": .integer(Int64(page.total))]
    }

    private func cancelTask(_ context: Call) async throws(A2AError) -> JSONValue {
        let params = try context.call.readParams(TaskParams.self)
        var record = try await ownedTask(params.id, context)
        guard !record.task.status.state.isTerminal else {
            throw .taskNotCancelable("task \(params.id) is in terminal state \(record.task.status.state.rawValue)")
        }
        if await running.cancel(params.id) {
            // The run ended itself and stored the task as it ended.
            record = try await ownedTask(params.id, context)
            if record.task.status.state.isTerminal { return Self.json(record.task) }
        }
        record.task.status = A2ATaskStatus(state: .canceled)
        try await context.from.runner.save(&record)
        return Self.json(record.task)
    }

    /// The task as it stands, then its events until its run ends, as server-sent events. A
    /// task that has ended answers the spec's error; one waiting for its client (input or
    /// authentication required) is sent as it stands and the stream ends.
    private func subscribe(_ context: Call) async -> Response {
        let id = context.call.id
        let record: A2ATaskRecord
        do throws(A2AError) {
            let params = try context.call.readParams(TaskParams.self)
            record = try await ownedTask(params.id, context)
        } catch {
            return context.answer(.failure(error))
        }
        guard !record.task.status.state.isTerminal else {
            return context.answer(
                .failure(.unsupportedOperation("task \(record.task.id) is in terminal state \(record.task.status.state.rawValue)")))
        }
        let (chunks, continuation) = AsyncStream.makeStream(of: String.self)
        let running = self.running
        let forwarding = Task {
            if let events = await running.subscribe(to: record.task.id) {
                for await event in events { continuation.yield(context.binding.event(.success(event.result), id: id)) }
            } else {
                continuation.yield(context.binding.event(.success(A2AStreamEvent.task(record.task).result), id: id))
            }
            continuation.finish()
        }
        // A subscriber that goes away stops following.
        continuation.onTermination = { _ in forwarding.cancel() }
        return ServerSentEvents.response(chunks, cacheControl: "no-store")
    }

    /// Where this hop sits in the caller's chain, when the caller activated the
    /// delegation-chain extension: its signed assertion, checked. Without the extension the
    /// message starts a chain of its own; with an assertion that does not hold it is refused.
    private func chainPosition(of message: A2AMessage, _ context: Call) async throws(A2AError) -> ChainPosition? {
        let requested = context.request.headers[values: HTTPField.Name(A2AProtocol.extensionsHeader)!]
            .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard requested.contains(DelegationChainExtension.uri) else { return nil }
        guard let jws = message.metadata?.objectValue?[DelegationChainExtension.uri]?.objectValue?["jws"]?.stringValue else {
            throw .invalidParams("message.metadata[\"\(DelegationChainExtension.uri)\"].jws is required when the extension is requested")
        }
        let verifier: ChainAssertionVerifier
        do {
            verifier = try await system.chainAssertions()
        } catch {
            throw .internalError("the delegation chain cannot be checked yet; try again")
        }
        do {
            return try await verifier.verify(jws, token: context.from.token, audiences: context.from.definition.audiences).arriving(
                at: context.from.agent)
        } catch {
            throw .invalidParams("the delegation-chain assertion was refused: \(error.description)")
        }
    }

    /// The caller's task `id`; another user's task is as absent as an unknown one.
    private func ownedTask(_ id: String, _ context: Call) async throws(A2AError) -> A2ATaskRecord {
        guard let record = try await context.from.runner.load(id, owner: context.from.user), record.agent == context.from.agent else {
            throw .taskNotFound("task \(id) was not found")
        }
        return record
    }

    // MARK: - Answers

    /// Why a request's `A2A-Version` cannot be served: absent means 0.3, which this server
    /// does not speak; any 1.x is accepted.
    static func versionRefusal(_ header: String?) -> A2AError? {
        let version = header?.trimmingCharacters(in: .whitespaces) ?? ""
        guard version.split(separator: ".").first != "1" else { return nil }
        return .versionNotSupported(
            "A2A version '\(version.isEmpty ? "0.3" : version)' is not supported; send \(A2AProtocol.versionHeader): \(A2AProtocol.version)")
    }

    private static func checkHistoryLength(_ length: Int?) throws(A2AError) {
        if let length, length < 0 { throw .invalidParams("historyLength must not be negative") }
    }

    private static func traceID(_ request: Request) -> String? {
        TraceContext(traceparent: request.headers[HTTPField.Name(TraceContext.header)!])?.traceID
    }

    private static func json(_ task: A2ATask) -> JSONValue {
        task.json
    }
}
