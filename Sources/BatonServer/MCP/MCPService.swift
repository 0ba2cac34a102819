import BatonAgents
import BatonConnectors
import BatonCore
import Foundation
internal import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Tracing

/// One agent as an MCP server over Streamable HTTP: `/mcp/{agent}`.
///
/// Both revisions on one endpoint, chosen per request by `MCP-Protocol-Version` as the MCP
/// SDKs choose: 2026-07-28 (stateless; the routing headers must agree with the body) or
/// 2025-11-25 and older (`initialize` opens a session bound to the user). The agent's tools
/// are its connectors' tools; each `tools/call` is a chain of its own in the ledger, and the
/// connector gets a token exchanged for its own audience: the client's token never leaves.
///
/// A browser's request from another origin (an `Origin` header that is not the daemon's
/// own) is refused with 403, as the transport requires against DNS rebinding.
///
/// Every request needs a bearer token for the agent (its audiences, a user, its scopes);
/// without one the answer is 401 with `WWW-Authenticate: Bearer resource_metadata="…"`
/// pointing at the agent's protected-resource metadata (RFC 9728).
struct MCPService: Sendable {
    static let maximumBody = 1024 * 1024
    static let pageSize = 50
    static let serverVersion = "1.0"

    let system: AgentSystem
    let cards: AgentCards
    let sessions: MCPSessions
    let changes: ToolListChanges

    /// `POST`, `GET` or `DELETE /mcp/{agent}`.
    func handle(_ request: Request, agent: String) async throws -> Response {
        guard let definition = cards.catalog.definition(named: agent), definition.isLocal else {
            throw HTTPError(.notFound, message: "no local agent is named '\(agent)'")
        }
        let base = cards.base(of: request)
        // DNS rebinding: a page elsewhere must not reach a local daemon through a browser.
        if let origin = request.headers[.origin], URLText.trimmingTrailingSlash(origin).lowercased() != base.lowercased() {
            return Self.error(.invalidRequest("Forbidden: requests from the origin \(origin) are not accepted"), id: .null, status: 403)
        }
        let caller: MCPCaller
        switch await identify(request, definition: definition, base: base) {
        case .success(let known): caller = known
        case .failure(let refusal): return refusal.response
        }
        switch request.method {
        case .post: return await post(request, caller)
        case .delete: return await endSession(request, caller)
        default: return Self.empty(405, headers: [.allow: "POST, DELETE"])
        }
    }

    // MARK: - Who calls

    /// The caller of one request: the agent, its runtime, the verified token.
    struct MCPCaller: Sendable {
        let agent: String
        let runtime: AgentRuntime
        let token: Secret
        let verified: VerifiedCaller
        var user: ChainUser { verified.principal.chainUser }
    }

    private func identify(_ request: Request, definition: AgentDefinition, base: String) async -> Result<MCPCaller, Refusal> {
        let agent = definition.id.rawValue
        let metadata = MCPRoutes.metadataURL(of: agent, base: base)
        guard let token = BearerTokenMiddleware.bearerToken(request.headers[.authorization]).map(Secret.init) else {
            return .failure(Refusal(response: Self.challenged(BearerTokenMiddleware.refusal(.missing), metadata: metadata)))
        }
        let runtime: AgentRuntime
        switch await system.readyRuntime() {
        case .success(let ready): runtime = ready
        case .failure(let refusal): return .failure(refusal)
        }
        do throws(AgentError) {
            let verified = try await runtime.caller(of: agent, token: token)
            return .success(MCPCaller(agent: agent, runtime: runtime, token: token, verified: verified))
        } catch {
            return .failure(Refusal(response: Self.challenged(ErrorResponse(error).response(), metadata: metadata)))
        }
    }

    /// A 401 or 403 that also says where the protected-resource metadata is.
    static func challenged(_ response: Response, metadata: String) -> Response {
        var response = response
        if let challenge = response.headers[.wwwAuthenticate] {
            response.headers[.wwwAuthenticate] = "\(challenge), resource_metadata=\"\(metadata)\""
        }
        return response
    }

    // MARK: - Requests

    private func post(_ request: Request, _ caller: MCPCaller) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            return Self.error(.invalidRequest("the request body is larger than \(Self.maximumBody) bytes"), id: .null, status: 413)
        }
        let message: JSONRPCMessage
        switch JSONRPCMessage.parse(body.readableBytesView) {
        case .success(let parsed): message = parsed
        case .failure(let failure):
            let error: MCPError = failure.kind == .parseError ? .parseError(failure.message) : .invalidRequest(failure.message)
            return Self.error(error, id: failure.id, status: 400)
        }
        let version = request.headers[HTTPField.Name(MCPRevision.versionHeader)!]?.trimmingCharacters(in: .whitespaces)
        if let version, !version.isEmpty, !MCPRevision.handshakeVersions.contains(version) {
            guard version == MCPRevision.stateless.rawValue else {
                return Self.error(.unsupportedVersion(requested: version), id: message.id ?? .null, status: 400)
            }
            return await stateless(message, request, caller)
        }
        return await withSession(message, request, caller)
    }

    /// The 2026-07-28 revision: the routing headers and `_meta` checked, then the method.
    private func stateless(_ message: JSONRPCMessage, _ request: Request, _ caller: MCPCaller) async -> Response {
        let id = message.id ?? .null
        if let problem = Self.routingProblem(message, request) {
            return Self.error(problem, id: id, status: problem.modernStatus)
        }
        guard let requestID = message.id else { return Self.empty(202) }
        if message.method == "subscriptions/listen" { return await listen(message.params, id: requestID, caller) }
        let result: Result<JSONValue, MCPError>
        switch message.method {
        case "server/discover":
            result = .success([
                "supportedVersions": .array(MCPRevision.all.map { .string($0.rawValue) }), "capabilities": Self.capabilities(listChanged: true),
                "instructions": .string(instructions(caller)), "ttlMs": 0, "cacheScope": "private",
            ])
        case "tools/list": result = listTools(message.params, caller).map { Self.adding($0, ["ttlMs": 60_000, "cacheScope": "private"]) }
        case "tools/call": result = await callTool(message.params, request, caller)
        default: result = .failure(.methodNotFound(message.method))
        }
        switch result {
        case .success(let value):
            let complete = Self.adding(value, ["resultType": "complete", "_meta": [MCPRevision.Meta.serverInfo: serverInfo(caller)]])
            return Self.json(200, JSONRPCMessage.result(complete, id: requestID))
        case .failure(let error):
            return Self.error(error, id: requestID, status: error.modernStatus)
        }
    }

    /// The 2025-11-25 revision (and the 2025 ones before it): `initialize` opens a session,
    /// every other request names it.
    private func withSession(_ message: JSONRPCMessage, _ request: Request, _ caller: MCPCaller) async -> Response {
        let id = message.id ?? .null
        if message.method == "initialize" {
            guard let requestID = message.id else {
                return Self.error(.invalidRequest("initialize is a request: it needs an id"), id: .null, status: 400)
            }
            let asked = (try? JSONFields(message.params, path: "params").string(ifPresent: "protocolVersion")) ?? nil
            let version =
                asked.flatMap { MCPRevision.handshakeVersions.contains($0) && $0 != "2024-11-05" ? $0 : nil } ?? MCPRevision.sessions.rawValue
            let session = await sessions.open(for: caller.user, at: caller.agent)
            let result: JSONValue = [
                "protocolVersion": .string(version), "capabilities": Self.capabilities(listChanged: false), "serverInfo": serverInfo(caller),
                "instructions": .string(instructions(caller)),
            ]
            return Self.json(200, JSONRPCMessage.result(result, id: requestID), headers: [HTTPField.Name(MCPRevision.sessionHeader)!: session])
        }
        guard let session = request.headers[HTTPField.Name(MCPRevision.sessionHeader)!] else {
            return Self.error(.invalidRequest("Bad Request: Missing session ID (send initialize first)"), id: id, status: 400)
        }
        guard await sessions.isOpen(session, for: caller.user, at: caller.agent) else {
            return Self.error(.invalidRequest("Session not found"), id: id, status: 404)
        }
        guard let requestID = message.id else { return Self.empty(202) }
        let result: Result<JSONValue, MCPError>
        switch message.method {
        case "ping": result = .success([:])
        case "tools/list": result = listTools(message.params, caller)
        case "tools/call": result = await callTool(message.params, request, caller)
        default: result = .failure(.methodNotFound(message.method))
        }
        switch result {
        case .success(let value): return Self.json(200, JSONRPCMessage.result(value, id: requestID))
        case .failure(let error): return Self.json(200, error.response(id: requestID))
        }
    }

    /// `subscriptions/listen` (2026-07-28): a stream that first acknowledges what it will
    /// send (`toolsListChanged`, if asked for: nothing else changes here), then sends
    /// `notifications/tools/list_changed` whenever the agent's tools change, each stamped
    /// with the request's id as its subscription id, until the client goes away; a comment
    /// every 15 s keeps proxies from closing it.
    private func listen(_ params: JSONValue, id: JSONValue, _ caller: MCPCaller) async -> Response {
        guard let requested = params.objectValue?["notifications"]?.objectValue else {
            return Self.error(.invalidParams("params.notifications must be an object naming the notifications to receive"), id: id, status: 400)
        }
        let tools = requested["toolsListChanged"] == .bool(true)
        let meta: JSONValue = [MCPRevision.Meta.subscriptionID: id]
        let honored: JSONValue = tools ? ["toolsListChanged": true] : [:]
        let changes = tools ? await self.changes.changes(of: caller.agent) : nil
        let (events, feed) = AsyncStream.makeStream(of: String.self)
        feed.yield(
            Self.event(["jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": ["notifications": honored, "_meta": meta]]))
        let producing = Task {
            await withTaskGroup(of: Void.self) { group in
                if let changes {
                    group.addTask {
                        for await _ in changes {
                            feed.yield(Self.event(["jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": ["_meta": meta]]))
                        }
                    }
                }
                // A write every 15 s keeps proxies from closing the stream and finds a client that left.
                group.addTask { while (try? await Task.sleep(for: .seconds(15))) != nil { feed.yield(": keep-alive\n\n") } }
                await group.next()
                group.cancelAll()
            }
            feed.finish()
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { producing.cancel() }
                // A stopping daemon ends the stream (MCP: the client listens again elsewhere).
                try await withGracefulShutdownHandler {
                    for await event in events { try await writer.write(ByteBuffer(string: event)) }
                } onGracefulShutdown: {
                    feed.finish()
                }
                try await writer.finish(nil)
            })
    }

    /// One server-sent event carrying one JSON-RPC message.
    private static func event(_ message: JSONValue) -> String {
        "event: message\ndata: \(String(decoding: message.serialized, as: UTF8.self))\n\n"
    }

    private func endSession(_ request: Request, _ caller: MCPCaller) async -> Response {
        guard let session = request.headers[HTTPField.Name(MCPRevision.sessionHeader)!] else {
            return Self.empty(405, headers: [.allow: "POST"])
        }
        guard await sessions.close(session, for: caller.user, at: caller.agent) else {
            return Self.error(.invalidRequest("Session not found"), id: .null, status: 404)
        }
        return Self.empty(200)
    }

    // MARK: - Methods

    /// The agent's tools as MCP lists them: its connectors' tools, then ``MCPToolShapes/ask``
    /// (the agent itself, asked in words).
    private func tools(_ caller: MCPCaller) -> [(name: String, definition: ToolDefinition)] {
        caller.runtime.tools(of: caller.agent) + [(MCPToolShapes.askName, MCPToolShapes.ask(caller.agent))]
    }

    private func listTools(_ params: JSONValue, _ caller: MCPCaller) -> Result<JSONValue, MCPError> {
        let tools = tools(caller)
        var offset = 0
        if let cursor = params.objectValue?["cursor"], cursor != .null {
            guard let text = cursor.stringValue, let decoded = Self.offset(cursor: text), decoded <= tools.count else {
                return .failure(.invalidParams("params.cursor is not a cursor this server issued"))
            }
            offset = decoded
        }
        let page = tools.dropFirst(offset).prefix(Self.pageSize)
        var result: JSONObject = ["tools": .array(page.map { MCPToolShapes.tool(named: $0.name, $0.definition) })]
        if offset + page.count < tools.count { result["nextCursor"] = .string(Self.cursor(offset: offset + page.count)) }
        return .success(.object(result))
    }

    private func callTool(_ params: JSONValue, _ request: Request, _ caller: MCPCaller) async -> Result<JSONValue, MCPError> {
        let name: String
        let arguments: JSONObject
        do throws(JSONShapeError) {
            let fields = try JSONFields(params, path: "params")
            name = try fields.string("name")
            switch fields.value(ifPresent: "arguments") {
            case nil: arguments = [:]
            case .object(let object)?: arguments = object
            default: throw JSONShapeError(path: "params.arguments", problem: .wrongType)
            }
        } catch {
            return .failure(.invalidParams(error.description))
        }
        guard let tool = tools(caller).first(where: { $0.name == name }) else {
            return .failure(.invalidParams("Unknown tool: \(name)"))
        }
        // Arguments that do not fit the tool's schema go back to the model as a tool error
        // naming the argument (MCP: input validation errors are tool execution errors); nothing runs.
        if let problem = JSONSchemaCheck.problem(with: .object(arguments), against: tool.definition.parameters, at: "arguments") {
            return .success(MCPToolShapes.failure(problem, code: "invalid_arguments"))
        }
        // The call's server span, a child of the span `_meta.traceparent` names when the client sent one there.
        return await withTracedSpan(
            "tools/call \(name)", context: Self.traceContext(request, params), ofKind: .server,
            attributes: ["mcp.method.name": "tools/call", GenAISpanAttribute.toolName: .string(name)]
        ) { _ in await run(name, arguments: arguments, request, params, caller) }
    }

    private func run(_ name: String, arguments: JSONObject, _ request: Request, _ params: JSONValue, _ caller: MCPCaller) async -> Result<
        JSONValue, MCPError
    > {
        do throws(AgentError) {
            if name == MCPToolShapes.askName {
                let answer = try await caller.runtime.invoke(
                    agent: caller.agent, input: arguments["request"]?.stringValue ?? "", token: caller.token,
                    traceID: Self.traceID(request, params), caller: caller.verified)
                return .success(MCPToolShapes.result(MCPToolShapes.asked(answer)))
            }
            let answer = try await caller.runtime.callTool(
                name, arguments: arguments, at: caller.agent, token: caller.token, caller: caller.verified, traceID: Self.traceID(request, params),
                operation: "mcp tools/call")
            return .success(MCPToolShapes.result(answer.result))
        } catch .auditFailed(let reason) {
            return .failure(.internalError("the ledger could not record the call, so it was not made (\(reason)); try again"))
        } catch {
            return .success(MCPToolShapes.failure(error.description, code: error.code))
        }
    }

    // MARK: - Checks and shapes

    /// Why a 2026-07-28 request's headers or `_meta` do not match its body, if they do not.
    static func routingProblem(_ message: JSONRPCMessage, _ request: Request) -> MCPError? {
        let header = { (name: String) in request.headers[HTTPField.Name(name)!] }
        guard let method = header(MCPRevision.methodHeader) else { return .headerMismatch("the \(MCPRevision.methodHeader) header is required") }
        guard method == message.method else {
            return .headerMismatch("\(MCPRevision.methodHeader) '\(method)' does not match the body's method '\(message.method)'")
        }
        guard let meta = message.params.objectValue?["_meta"]?.objectValue, let version = meta[MCPRevision.Meta.protocolVersion]?.stringValue,
            meta[MCPRevision.Meta.clientCapabilities]?.objectValue != nil
        else {
            return .invalidParams(
                "params._meta must be an object carrying '\(MCPRevision.Meta.protocolVersion)' and '\(MCPRevision.Meta.clientCapabilities)'")
        }
        guard version == header(MCPRevision.versionHeader) else {
            return .headerMismatch("\(MCPRevision.versionHeader) does not match params._meta's protocol version '\(version)'")
        }
        if message.method == "tools/call" {
            let name = message.params.objectValue?["name"]?.stringValue
            guard let sent = header(MCPRevision.nameHeader), sent == name else {
                return .headerMismatch("the \(MCPRevision.nameHeader) header must equal params.name")
            }
        }
        return nil
    }

    /// What the server offers: tools, and on 2026-07-28 word of their changes through
    /// `subscriptions/listen` (2025-11-25 sessions have no server stream here).
    static func capabilities(listChanged: Bool) -> JSONValue {
        ["tools": ["listChanged": .bool(listChanged)]]
    }

    private func serverInfo(_ caller: MCPCaller) -> JSONValue {
        ["name": .string("baton-\(caller.agent)"), "version": .string(Self.serverVersion)]
    }

    private func instructions(_ caller: MCPCaller) -> String {
        let description = cards.catalog.definition(named: caller.agent)?.description ?? ""
        return "\(description) Every tool runs as the signed-in user; Baton records each call in its audit ledger."
    }

    private static func traceID(_ request: Request, _ params: JSONValue) -> String? {
        let header = request.headers[HTTPField.Name(TraceContext.header)!]
        return TraceContext(traceparent: header ?? metaTraceHeaders(params)[TraceContext.header])?.traceID
    }

    /// The context a tool call runs in: the request's (its `traceparent` header, extracted
    /// by ``TracingMiddleware``), or the one `_meta.traceparent` names when only `_meta` has one.
    private static func traceContext(_ request: Request, _ params: JSONValue) -> InstrumentationContext? {
        guard request.headers[HTTPField.Name(TraceContext.header)!] == nil else { return nil }
        let meta = metaTraceHeaders(params)
        return meta.isEmpty ? nil : TraceHeaders.context(from: meta)
    }

    /// `traceparent` and `tracestate` from `params._meta`.
    private static func metaTraceHeaders(_ params: JSONValue) -> [String: String] {
        let meta = params.objectValue?["_meta"]?.objectValue ?? [:]
        var headers: [String: String] = [:]
        for name in TraceHeaders.names {
            if let value = meta[name]?.stringValue { headers[name] = value }
        }
        return headers
    }

    private static func adding(_ value: JSONValue, _ members: JSONObject) -> JSONValue {
        guard case .object(var object) = value else { return value }
        object.merge(members) { $1 }
        return .object(object)
    }

    static func cursor(offset: Int) -> String {
        Data("tools:\(offset)".utf8).base64EncodedString()
    }

    static func offset(cursor: String) -> Int? {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8), text.hasPrefix("tools:") else { return nil }
        return Int(text.dropFirst("tools:".count)).flatMap { $0 >= 0 ? $0 : nil }
    }

    private static func json(_ status: Int, _ body: JSONValue, headers: HTTPFields = [:]) -> Response {
        HealthRoutes.json(HTTPResponse.Status(code: status), bytes: body.serialized, headers: headers)
    }

    private static func error(_ error: MCPError, id: JSONValue, status: Int) -> Response {
        json(status, error.response(id: id))
    }

    private static func empty(_ status: Int, headers: HTTPFields = [:]) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: headers)
    }
}
