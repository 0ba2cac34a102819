import BatonCore
import Hummingbird
import Logging

/// One request to the dev model, the part both wire formats share: read the body, decide
/// under the rules, count and time it. The routes only translate in and out.
struct ModelTurn: Sendable {
    /// The request body, for the wire-specific fields the conversation leaves out (`stream`, `model`).
    let body: JSONValue
    let reply: ModelReply
    let usage: ModelUsage
    /// How long the decision took, which the replies report as the model's latency.
    let latency: Duration

    /// Conversations carry every earlier tool result, so the limit is generous.
    static let maximumBody = 16 << 20

    /// Takes `request`, reading its body into a conversation with `read`.
    static func take(
        _ request: Request, rules: ModelRules, logger: Logger, read: (JSONValue) throws(JSONShapeError) -> ModelConversation
    ) async throws(DevModelError) -> ModelTurn {
        let started = ContinuousClock.now
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBody)
        } catch {
            throw .malformedRequest("the body could not be read whole (at most \(maximumBody >> 20) MiB): \(error)")
        }
        let body: JSONValue
        do {
            body = try JSONValue(parsing: buffer.readableBytesView)
        } catch {
            throw .malformedRequest("the body is not JSON (\(error))")
        }
        let conversation: ModelConversation
        do throws(JSONShapeError) {
            conversation = try read(body)
        } catch {
            throw .malformedRequest(error.description)
        }
        let reply = try conversation.reply(following: rules, logger: logger)
        return ModelTurn(
            body: body, reply: reply, usage: ModelUsage(requestBytes: buffer.readableBytes, reply: reply), latency: ContinuousClock.now - started)
    }

    /// The latency in whole milliseconds, as both formats report it.
    var latencyMilliseconds: Int64 { latency.microseconds / 1000 }
}
