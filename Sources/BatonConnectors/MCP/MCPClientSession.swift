import BatonCore
import Foundation

/// The requests of one tool call to an MCP server, as the user: stateless 2026-07-28
/// requests, or — when the server answers that it speaks only earlier revisions — a
/// 2025-11-25 session opened for this call and closed after it.
struct MCPClientSession {
    let connector: MCPConnector
    let context: ConnectorContext
    private var name: String { connector.name }

    /// Sends `method` and returns its result, or the failure as a ``ConnectorError``.
    func request(_ method: String, params: JSONObject, name toolName: String?) async throws(ConnectorError) -> JSONValue {
        var modern = params
        var meta: JSONObject = [
            "io.modelcontextprotocol/protocolVersion": .string(MCPConnector.revision), "io.modelcontextprotocol/clientCapabilities": [:],
            "io.modelcontextprotocol/clientInfo": ["name": "baton", "version": "1.0"],
        ]
        // The trace rides in `_meta` too (MCP's binding of W3C Trace Context), for servers that read it there.
        if let traceID = context.traceID { meta["traceparent"] = .string(TraceContext.outgoing(in: traceID).traceparent) }
        modern["_meta"] = .object(meta)
        var headers = [("MCP-Protocol-Version", MCPConnector.revision), ("Mcp-Method", method)]
        if let toolName { headers.append(("Mcp-Name", toolName)) }
        let response = try await send(method, params: .object(modern), headers: headers)
        if let answer = try answer(response), !Self.needsEarlierRevision(answer, status: response.status) {
            return try result(answer, method: method)
        }
        if response.status == 200 || (response.status >= 400 && response.status < 500 && response.status != 401 && response.status != 403) {
            return try await inSession(method, params: params)
        }
        throw response.failure(connector: name)
    }

    /// The same request inside a 2025-11-25 session: initialize, the request, close.
    private func inSession(_ method: String, params: JSONObject) async throws(ConnectorError) -> JSONValue {
        let opened = try await send(
            "initialize",
            params: [
                "protocolVersion": .string(MCPConnector.legacyRevision), "capabilities": [:], "clientInfo": ["name": "baton", "version": "1.0"],
            ], headers: [])
        guard let opening = try answer(opened) else { throw opened.failure(connector: name) }
        _ = try result(opening, method: "initialize")
        var headers = [("MCP-Protocol-Version", MCPConnector.legacyRevision)]
        if let session = opened.header("Mcp-Session-Id") { headers.append(("Mcp-Session-Id", session)) }
        _ = try await send("notifications/initialized", params: [:], headers: headers, notification: true)
        let response = try await send(method, params: .object(params), headers: headers)
        if opened.header("Mcp-Session-Id") != nil {
            _ = try? await send("", params: [:], headers: headers, method: "DELETE")
        }
        guard let answer = try answer(response) else { throw response.failure(connector: name) }
        return try result(answer, method: method)
    }

    private func send(
        _ rpcMethod: String, params: JSONValue, headers: [(String, String)], notification: Bool = false, method: String = "POST"
    ) async throws(ConnectorError) -> DownstreamResponse {
        var body: JSONObject = ["jsonrpc": "2.0", "method": .string(rpcMethod), "params": params]
        if !notification { body["id"] = .string(UUIDv7.make()) }
        let path = URL(string: connector.endpoint)?.path ?? "/"
        return try await connector.client.send(
            DownstreamRequest(
                method: method, url: connector.endpoint, pathTemplate: path, resource: "\(name):\(rpcMethod.isEmpty ? "session" : rpcMethod)",
                body: method == "POST" ? .object(body) : nil, headers: [("Accept", "application/json, text/event-stream")] + headers),
            context: context)
    }

    /// The JSON-RPC response in an answer (JSON or server-sent events), if it holds one.
    private func answer(_ response: DownstreamResponse) throws(ConnectorError) -> JSONValue? {
        let type = response.header("Content-Type")?.lowercased() ?? ""
        if type.contains("text/event-stream") {
            var decoder = EventStreamDecoder(maximumEventBytes: 16 << 20)
            let events: [EventStreamDecoder.Event]
            do {
                events = try decoder.feed(response.body + [UInt8(ascii: "\n"), UInt8(ascii: "\n")])
            } catch {
                throw .unavailable(connector: name, reason: "the MCP server's event stream is too large")
            }
            return events.reversed().lazy.compactMap { try? JSONValue(parsing: Data($0.data.utf8)) }.first {
                $0.objectValue?["result"] != nil || $0.objectValue?["error"] != nil
            }
        }
        guard let json = response.json, json.objectValue?["jsonrpc"] != nil else { return nil }
        return json
    }

    /// A JSON-RPC response's result, or its error as a ``ConnectorError``.
    private func result(_ answer: JSONValue, method: String) throws(ConnectorError) -> JSONValue {
        if let error = answer.objectValue?["error"]?.objectValue {
            let code = error["code"]?.integerValue ?? 0
            let message = error["message"]?.stringValue ?? "no message"
            throw .downstream(connector: name, status: 200, message: "\(method) failed (\(code)): \(message)")
        }
        guard let result = answer.objectValue?["result"] else {
            throw .unavailable(connector: name, reason: "the MCP server's answer to \(method) has neither a result nor an error")
        }
        return result
    }

    /// Whether the server says it does not speak 2026-07-28 (an unsupported-version error
    /// naming only earlier revisions, or a method-not-found for the stateless request).
    private static func needsEarlierRevision(_ answer: JSONValue, status: Int) -> Bool {
        guard let error = answer.objectValue?["error"]?.objectValue, let code = error["code"]?.integerValue else { return false }
        if code == -32022 {
            let supported = error["data"]?.objectValue?["supported"]?.stringArrayValue ?? []
            return !supported.contains(MCPConnector.revision)
        }
        return status == 400 && code == -32600
    }
}
