import BatonCore
import BatonIdentity

/// What an invocation returns: the answer, structured data from the last tool, and the
/// chain it ran as.
public struct AgentAnswer: Sendable, Equatable {
    public var text: String
    public var data: JSONValue?
    public var chainID: String
    public var hops: [HopSummary]

    public init(text: String, data: JSONValue?, chainID: String, hops: [HopSummary]) {
        self.text = text
        self.data = data
        self.chainID = chainID
        self.hops = hops
    }
}

/// One hop of a chain, as the caller sees it.
public struct HopSummary: Sendable, Equatable, Codable {
    public var hop: Int
    public var parentHop: Int?
    public var agent: String
    /// The audience of the token this hop ran with.
    public var audience: String
    public var latencyMicroseconds: Int64

    enum CodingKeys: String, CodingKey {
        case hop
        case parentHop = "parent_hop"
        case agent, audience
        case latencyMicroseconds = "latency_us"
    }
}

/// A step as it happens, for `text/event-stream` clients.
public enum AgentEvent: Sendable, Equatable {
    case hopStarted(agent: String, hop: Int, chainID: String)
    case delegating(from: String, to: String)
    case toolCalled(agent: String, tool: String)
    case toolFinished(agent: String, tool: String, summary: String)
    case denied(agent: String, code: String, message: String)
    case answered(agent: String, text: String)

    public var name: String {
        switch self {
        case .hopStarted: "hop"
        case .delegating: "delegate"
        case .toolCalled: "tool_call"
        case .toolFinished: "tool_result"
        case .denied: "denied"
        case .answered: "answer"
        }
    }

    public var fields: JSONObject {
        switch self {
        case .hopStarted(let agent, let hop, let chainID): ["agent": .string(agent), "hop": .integer(Int64(hop)), "chain_id": .string(chainID)]
        case .delegating(let from, let to): ["from": .string(from), "to": .string(to)]
        case .toolCalled(let agent, let tool): ["agent": .string(agent), "tool": .string(tool)]
        case .toolFinished(let agent, let tool, let summary): ["agent": .string(agent), "tool": .string(tool), "summary": .string(summary)]
        case .denied(let agent, let code, let message): ["agent": .string(agent), "code": .string(code), "message": .string(message)]
        case .answered(let agent, let text): ["agent": .string(agent), "text": .string(text)]
        }
    }
}
