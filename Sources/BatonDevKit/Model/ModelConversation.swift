import BatonCore
import Logging

/// A conversation as the dev model reads it, whichever wire format it came in: who said
/// what, the tool results sent back, and the tools on offer. The decision lives here, so
/// Bedrock and OpenAI clients get the same answers from the same rules.
///
/// Only what the decision needs is kept: system prompts, images, reasoning and the model's
/// own earlier tool calls play no part in choosing a rule.
public struct ModelConversation: Sendable, Equatable {
    /// One message, reduced to its text and tool results.
    public struct Message: Sendable, Equatable {
        public enum Role: String, Sendable {
            case user
            case assistant
        }

        public var role: Role
        public var texts: [String]
        /// The text of each tool result the message carries (a user message in both formats:
        /// Bedrock sends `toolResult` blocks, OpenAI `tool` messages, merged here into one).
        public var toolResults: [String]

        public init(role: Role, texts: [String] = [], toolResults: [String] = []) {
            self.role = role
            self.texts = texts
            self.toolResults = toolResults
        }
    }

    public var messages: [Message]
    /// The tools on offer, by the exact name the client gave, with their input JSON schema.
    public var tools: [String: JSONValue]

    public init(messages: [Message], tools: [String: JSONValue]) {
        self.messages = messages
        self.tools = tools
    }

    /// The next step under `rules`.
    ///
    /// After a user text, the matching rule calls its tool when the request offers it, or
    /// answers at once. After tool results, the rule is found again from the latest user text
    /// (user messages that only carry results are skipped) and answers with the results filled in.
    public func reply(following rules: ModelRules, logger: Logger) throws(DevModelError) -> ModelReply {
        guard let last = messages.last, last.role == .user else { throw .conversationNotAtUser }
        guard let request = messages.last(where: { $0.role == .user && !$0.texts.isEmpty })?.texts.joined(separator: "\n") else {
            throw .noUserText
        }
        guard let (rule, captures) = rules.rule(for: request) else {
            return .text("No rule in \(rules.source) matches: \(request)")
        }
        if !last.toolResults.isEmpty {
            return .text(rule.finalAnswer(result: last.toolResults.joined(separator: "\n")))
        }
        guard let tool = rule.tool else { return .text(rule.finalAnswer(result: "")) }
        guard let schema = tools[tool] else {
            logger.notice(
                "the rule's tool is not on offer, so it answers without it",
                metadata: ["rule": "\(rule.pattern ?? "(fallback)")", "tool": "\(tool)", "offered": "\(tools.keys.sorted())"])
            return .text(rule.finalAnswer(result: ""))
        }
        return .toolCall(id: ModelReply.newToolUseID(), name: tool, input: rule.toolInput(captures: captures, schema: schema))
    }
}
