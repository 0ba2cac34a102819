import BatonCore

/// Why the dev model refused a request. Both wire formats answer it with a 400 in their own
/// error shape (Bedrock's `ValidationException`, OpenAI's `invalid_request_error`).
public enum DevModelError: BatonError, Equatable {
    /// The body is not JSON, or lacks what the wire format requires.
    case malformedRequest(String)
    /// The last message is not the user's, so there is nothing to answer.
    case conversationNotAtUser
    /// No user message carries text, so no rule can be chosen.
    case noUserText

    public var code: String {
        switch self {
        case .malformedRequest: "malformed_request"
        case .conversationNotAtUser: "conversation_not_at_user"
        case .noUserText: "no_user_text"
        }
    }

    public var description: String {
        switch self {
        case .malformedRequest(let problem): "the request is malformed: \(problem)"
        case .conversationNotAtUser: "the conversation must end with a user message (text or tool results)"
        case .noUserText: "no user message carries text, so the dev model has no rule to follow"
        }
    }
}
