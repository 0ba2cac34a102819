import BatonCore

/// What the dev model answers one request with, before a wire format writes it.
public enum ModelReply: Sendable, Equatable {
    /// The final answer.
    case text(String)
    /// A request to run a tool; `id` pairs it with the result the client sends back.
    case toolCall(id: String, name: String, input: JSONObject)

    /// A fresh tool-use id, shaped like Bedrock's (`tooluse_…`), which OpenAI clients accept too.
    static func newToolUseID() -> String {
        "tooluse_" + Hex.random(byteCount: 12)
    }

    /// The tool input as the JSON text both wire formats carry it in.
    static func inputText(_ input: JSONObject) -> String {
        String(decoding: JSONValue.object(input).serialized, as: UTF8.self)
    }

    /// What the model "wrote", for the token estimate.
    var writtenText: String {
        switch self {
        case .text(let text): text
        case .toolCall(_, let name, let input): name + Self.inputText(input)
        }
    }

    /// `text` cut at spaces into at most `count` pieces that join back into it exactly, so a
    /// client's streaming path (accumulating deltas) runs as it does against a real model.
    /// An empty text is one empty piece: a stream always carries at least one delta.
    static func pieces(of text: String, count: Int = 4) -> [String] {
        precondition(count > 0, "a text is cut into at least one piece")
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let perPiece = (words.count + count - 1) / count
        return stride(from: 0, to: words.count, by: perPiece).map { start in
            let end = min(start + perPiece, words.count)
            return words[start..<end].joined(separator: " ") + (end < words.count ? " " : "")
        }
    }
}
