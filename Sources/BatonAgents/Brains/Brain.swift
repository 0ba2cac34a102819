import BatonConnectors
import BatonCore
import BatonIdentity

/// Decides an agent's next step: call a tool, hand work to a delegate, or answer.
///
/// A brain sees the request, the tools and delegates the agent is allowed, and what its
/// earlier steps returned — never a token. The runtime carries out each decision with
/// the agent's own credentials, after policy and the ledger have had their say.
public protocol Brain: Sendable {
    func decide(_ situation: BrainSituation) async throws(AgentError) -> BrainDecision
}

/// What a brain knows when it decides.
public struct BrainSituation: Sendable {
    public var agent: String
    public var description: String
    public var input: String
    /// Tools by qualified name, `connector.tool`.
    public var tools: [ToolDefinition]
    /// Delegates by id, with their descriptions.
    public var delegates: [(id: String, description: String)]
    public var steps: [BrainStep]
}

/// A step taken and what came of it.
public struct BrainStep: Sendable {
    public var decision: BrainDecision
    public var resultText: String
    public var resultData: JSONValue?
}

public enum BrainDecision: Sendable, Equatable {
    /// `name` is `connector.tool`.
    case callTool(name: String, arguments: JSONObject)
    case delegate(agent: String, input: String)
    case answer(text: String, data: JSONValue?)
}
