import BatonCore
import HTTPTypes
import Hummingbird
import Logging

/// `POST /model/{modelId}/converse` and `/converse-stream`: Bedrock Runtime's Converse API
/// as boto3 calls it (Strands' `BedrockModel` streams by default), pointed here with
/// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
///
/// boto3 signs every request with SigV4; the dev model does not check the signature (it
/// holds no keys and guards nothing), so any access key works. The model id is not checked
/// either: every model follows the same rules.
struct BedrockConverseRoutes: Sendable {
    let rules: ModelRules
    let logger: Logger

    static let errorTypeHeader = HTTPField.Name("x-amzn-ErrorType")!
    static let requestIDHeader = HTTPField.Name("x-amzn-RequestId")!

    func register(on router: Router<BasicRequestContext>) {
        router.post("model/:modelId/converse") { request, _ in
            await respond(to: request) { turn in WireResponse.json(.ok, Self.converseResponse(turn), headers: Self.requestIDHeaders()) }
        }
        router.post("model/:modelId/converse-stream") { request, _ in
            await respond(to: request) { turn in
                let frames = Self.streamEvents(turn).map { AWSEventStreamEncoder.event($0.type, payload: $0.payload.serialized) }
                return WireResponse.streamed(contentType: "application/vnd.amazon.eventstream", frames, headers: Self.requestIDHeaders())
            }
        }
    }

    private func respond(to request: Request, _ render: (ModelTurn) -> Response) async -> Response {
        do throws(DevModelError) {
            let turn = try await ModelTurn.take(request, rules: rules, logger: logger, read: ModelConversation.init(converse:))
            return render(turn)
        } catch {
            return Self.failure(.badRequest, type: "ValidationException", message: error.description)
        }
    }

    // MARK: - Converse

    /// botocore's `ConverseResponse`.
    static func converseResponse(_ turn: ModelTurn) -> JSONValue {
        let block: JSONValue =
            switch turn.reply {
            case .text(let text): ["text": .string(text)]
            case .toolCall(let id, let name, let input): ["toolUse": ["toolUseId": .string(id), "name": .string(name), "input": .object(input)]]
            }
        return [
            "output": ["message": ["role": "assistant", "content": [block]]],
            "stopReason": .string(stopReason(turn.reply)),
            "usage": usage(turn.usage),
            "metrics": ["latencyMs": .integer(turn.latencyMilliseconds)],
        ]
    }

    // MARK: - ConverseStream

    /// One member of botocore's `ConverseStreamOutput` union: its name and its JSON.
    struct StreamEvent {
        let type: String
        let payload: JSONValue

        init(_ type: String, _ payload: JSONValue) {
            self.type = type
            self.payload = payload
        }
    }

    /// The stream's events, in the order Bedrock sends them. A text block has no
    /// `contentBlockStart` (Bedrock sends one only for tool use); the text comes in a few
    /// deltas, a tool's input as one JSON string.
    static func streamEvents(_ turn: ModelTurn) -> [StreamEvent] {
        var events = [StreamEvent("messageStart", ["role": "assistant"])]
        switch turn.reply {
        case .text(let text):
            for piece in ModelReply.pieces(of: text) {
                events.append(StreamEvent("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["text": .string(piece)]]))
            }
        case .toolCall(let id, let name, let input):
            events.append(
                StreamEvent("contentBlockStart", ["contentBlockIndex": 0, "start": ["toolUse": ["toolUseId": .string(id), "name": .string(name)]]]))
            events.append(
                StreamEvent("contentBlockDelta", ["contentBlockIndex": 0, "delta": ["toolUse": ["input": .string(ModelReply.inputText(input))]]]))
        }
        events.append(StreamEvent("contentBlockStop", ["contentBlockIndex": 0]))
        events.append(StreamEvent("messageStop", ["stopReason": .string(stopReason(turn.reply))]))
        events.append(StreamEvent("metadata", ["usage": usage(turn.usage), "metrics": ["latencyMs": .integer(turn.latencyMilliseconds)]]))
        return events
    }

    // MARK: - Shared shapes

    private static func stopReason(_ reply: ModelReply) -> String {
        switch reply {
        case .text: "end_turn"
        case .toolCall: "tool_use"
        }
    }

    private static func usage(_ usage: ModelUsage) -> JSONValue {
        [
            "inputTokens": .integer(Int64(usage.inputTokens)), "outputTokens": .integer(Int64(usage.outputTokens)),
            "totalTokens": .integer(Int64(usage.totalTokens)),
        ]
    }

    private static func requestIDHeaders() -> HTTPFields {
        [requestIDHeader: WireResponse.requestID()]
    }

    /// An AWS JSON error: the type in `x-amzn-ErrorType`, where botocore reads the error code,
    /// and `{"message": …}`, which becomes the `ClientError`'s message.
    static func failure(_ status: HTTPResponse.Status, type: String, message: String) -> Response {
        var headers = requestIDHeaders()
        headers[errorTypeHeader] = type
        return WireResponse.json(status, ["message": .string(message)], headers: headers)
    }
}
