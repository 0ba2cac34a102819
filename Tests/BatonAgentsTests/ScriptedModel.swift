import BatonCore
import BatonDevKit
import BatonIdentity
import BatonLedger
import BatonTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging

@testable import BatonAgents

/// An OpenAI-compatible `/chat/completions` server on loopback that answers from a script,
/// one reply per request, and keeps the requests it got.
actor ScriptedModel {
    enum Reply: Sendable {
        case toolCall(name: String, arguments: String)
        case text(String)
    }

    private var replies: [Reply]
    private(set) var requests: [JSONValue] = []

    init(_ replies: [Reply]) {
        self.replies = replies
    }

    func next(_ request: JSONValue) -> Reply {
        requests.append(request)
        return replies.isEmpty ? .text("(script ended)") : replies.removeFirst()
    }

    static func withRunning<T: Sendable>(_ replies: [Reply], _ body: @Sendable (String) async throws -> T) async throws -> T {
        try await withRunningModel(replies) { url, _ in try await body(url) }
    }

    static func withRunningModel<T: Sendable>(_ replies: [Reply], _ body: @Sendable (String, ScriptedModel) async throws -> T) async throws -> T {
        let model = ScriptedModel(replies)
        let router = Router(context: BasicRequestContext.self)
        router.post("v1/chat/completions") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
            let message: JSONValue =
                switch await model.next(parsed) {
                case .toolCall(let name, let arguments):
                    [
                        "role": "assistant", "content": .null,
                        "tool_calls": [["id": "call_x", "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]],
                    ]
                case .text(let text): ["role": "assistant", "content": .string(text)]
                }
            let reply: JSONValue = [
                "id": "chatcmpl-1", "object": "chat.completion", "choices": [["index": 0, "message": message, "finish_reason": "stop"]],
            ]
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(reply))))
        }
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield("http://127.0.0.1:\(channel.localAddress!.port!)/v1") }, logger: Logger(label: "model"))
        return try await LocalServer.run(
            logger: Logger(label: "model"),
            { report in
                Task { for await url in urls { await report(url) } }
                return app
            }
        ) { url in try await body(url, model) }
    }
}

extension AgentRuntime {
    /// Runs one delegation from `agent`'s first hop asking for `scopes`; returns the error code or "ran".
    func testDelegation(from agent: String, to callee: String, scopes: ScopeSet, token: Secret) async throws -> String {
        let invocation = Invocation(auditor: auditor(), events: { _ in }, log: HopLog())
        do throws(AgentError) {
            let hop = try await Hop.open(
                agent: agent, token: token, at: .start(at: agent), expectedUser: nil, services: services, invocation: invocation)
            _ = try await hop.delegate(to: callee, input: "x", scopes: scopes)
            try await invocation.auditor.barrier()
            return "ran"
        } catch {
            try await invocation.auditor.barrier()
            return error.code
        }
    }
}
