import BatonCore
import Foundation
import Hummingbird
import Logging

/// `POST /v1/chat/completions` (whole, or streamed as server-sent events with `stream: true`)
/// and `GET /v1/models`: the OpenAI API as Baton's chat-completions brain and OpenAI-compatible
/// clients call it, pointed here with the base URL `…/v1`. The API key is not checked.
struct ChatCompletionsRoutes: Sendable {
    let rules: ModelRules
    let logger: Logger

    /// The model name answers carry when the request names none.
    static let modelName = "baton-dev-model"

    func register(on router: Router<BasicRequestContext>) {
        router.post("v1/chat/completions") { request, _ in
            do throws(DevModelError) {
                let turn = try await ModelTurn.take(request, rules: rules, logger: logger, read: ModelConversation.init(chatCompletions:))
                let completion = Completion(turn)
                return completion.streams ? completion.streamed() : WireResponse.json(.ok, completion.whole())
            } catch {
                return Self.failure(.badRequest, type: "invalid_request_error", message: error.description)
            }
        }
        router.get("v1/models") { _, _ in
            WireResponse.json(.ok, ["object": "list", "data": [["id": .string(Self.modelName), "object": "model", "owned_by": "baton"]]])
        }
    }

    /// OpenAI's error shape, which its clients raise as `APIError` with this message.
    static func failure(_ status: HTTPResponse.Status, type: String, message: String) -> Response {
        WireResponse.json(status, ["error": ["message": .string(message), "type": .string(type), "param": .null, "code": .null]])
    }
}

/// One answer in OpenAI's shapes: a `chat.completion`, or its `chat.completion.chunk`s.
private struct Completion {
    let turn: ModelTurn
    let id = "chatcmpl-" + Hex.random(byteCount: 12)
    let created = Int64(Date().timeIntervalSince1970)
    let model: String
    let streams: Bool
    /// `stream_options.include_usage`: a last chunk with no choices carries the usage.
    let streamsUsage: Bool

    init(_ turn: ModelTurn) {
        let body = turn.body.objectValue ?? [:]
        self.turn = turn
        model = body["model"]?.stringValue ?? ChatCompletionsRoutes.modelName
        streams = body["stream"] == .bool(true)
        streamsUsage = body["stream_options"]?.objectValue?["include_usage"] == .bool(true)
    }

    func whole() -> JSONValue {
        let message: JSONValue =
            switch turn.reply {
            case .text(let text): ["role": "assistant", "content": .string(text)]
            case .toolCall(let id, let name, let input):
                [
                    "role": "assistant", "content": .null,
                    "tool_calls": [
                        [
                            "id": .string(id), "type": "function",
                            "function": ["name": .string(name), "arguments": .string(ModelReply.inputText(input))],
                        ]
                    ],
                ]
            }
        var completion = envelope("chat.completion")
        completion["choices"] = [["index": 0, "message": message, "finish_reason": .string(finishReason)]]
        completion["usage"] = usage
        return .object(completion)
    }

    /// `data: {chunk}` events ending in `data: [DONE]`: the role first, then the text in a few
    /// deltas or the tool call (its name, then its arguments), then the finish reason.
    func streamed() -> Response {
        var deltas: [JSONValue] = [["role": "assistant", "content": ""]]
        switch turn.reply {
        case .text(let text):
            deltas += ModelReply.pieces(of: text).map { piece -> JSONValue in ["content": .string(piece)] }
        case .toolCall(let id, let name, let input):
            deltas.append([
                "tool_calls": [["index": 0, "id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": ""]]]
            ])
            deltas.append(["tool_calls": [["index": 0, "function": ["arguments": .string(ModelReply.inputText(input))]]]])
        }
        var chunks = deltas.map { chunk(["index": 0, "delta": $0, "finish_reason": .null]) }
        chunks.append(chunk(["index": 0, "delta": [:], "finish_reason": .string(finishReason)]))
        if streamsUsage {
            var last = envelope("chat.completion.chunk")
            last["choices"] = []
            last["usage"] = usage
            chunks.append(.object(last))
        }
        var events: [[UInt8]] = chunks.map { chunk in Array("data: ".utf8) + chunk.serialized + Array("\n\n".utf8) }
        events.append(Array("data: [DONE]\n\n".utf8))
        return WireResponse.streamed(contentType: "text/event-stream", events)
    }

    private func chunk(_ choice: JSONValue) -> JSONValue {
        var chunk = envelope("chat.completion.chunk")
        chunk["choices"] = [choice]
        return .object(chunk)
    }

    private func envelope(_ object: String) -> JSONObject {
        ["id": .string(id), "object": .string(object), "created": .integer(created), "model": .string(model)]
    }

    private var finishReason: String {
        switch turn.reply {
        case .text: "stop"
        case .toolCall: "tool_calls"
        }
    }

    private var usage: JSONValue {
        [
            "prompt_tokens": .integer(Int64(turn.usage.inputTokens)), "completion_tokens": .integer(Int64(turn.usage.outputTokens)),
            "total_tokens": .integer(Int64(turn.usage.totalTokens)),
        ]
    }
}
