/// The token counts the dev model reports. It has no tokenizer, so it estimates four bytes a
/// token: agents only display, log or sum these, and a count of zero looks like a bug.
struct ModelUsage: Sendable, Equatable {
    let inputTokens: Int
    let outputTokens: Int

    var totalTokens: Int { inputTokens + outputTokens }

    init(requestBytes: Int, reply: ModelReply) {
        inputTokens = max(1, requestBytes / 4)
        outputTokens = max(1, reply.writtenText.utf8.count / 4)
    }
}
