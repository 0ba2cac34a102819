import BatonCore
import Foundation
import Tracing

/// The spans of a chain in the OpenTelemetry GenAI conventions' terms: `invoke_agent
/// {agent}` for each hop (INTERNAL when the agent runs in this process, CLIENT when it is
/// called over the network), `execute_tool {tool}` for each tool call, `exchange_token`
/// for each On-Behalf-Of exchange.
///
/// Spans carry ids, names, the chain id and codes. The user's words only with
/// `tracing.record_request_text`; a token never.
struct HopSpans: Sendable {
    /// Whether `invoke_agent` spans carry the request text (`gen_ai.input.messages`).
    let recordsRequestText: Bool

    /// Runs `work` in the `invoke_agent {agent}` span of `agent` (described by `description`).
    func invokeAgent<T>(
        _ agent: String, description: String?, kind: SpanKind, input: String?, _ work: (any Span) async throws(AgentError) -> T
    ) async throws(AgentError) -> T {
        try await withTracedSpan(
            GenAISpanAttribute.invokeAgent(agent), ofKind: kind, attributes: agentAttributes(agent, description: description, input: input),
            errorType: { $0.code }, work)
    }

    /// Runs `work` in the `execute_tool {tool}` span of `tool` (`connector.tool`) at `position`.
    func executeTool<T>(_ tool: String, at position: ChainPosition, _ work: () async throws(AgentError) -> T) async throws(AgentError) -> T {
        try await withTracedSpan(
            GenAISpanAttribute.executeTool(tool), attributes: Self.toolAttributes(tool, at: position), errorType: { $0.code }
        ) { _ throws(AgentError) in
            try await work()
        }
    }

    private func agentAttributes(_ agent: String, description: String?, input: String?) -> SpanAttributes {
        var attributes: SpanAttributes = [
            GenAISpanAttribute.operationName: "invoke_agent", GenAISpanAttribute.agentID: .string(agent),
            GenAISpanAttribute.agentName: .string(agent),
        ]
        if let description, !description.isEmpty { attributes[GenAISpanAttribute.agentDescription] = description }
        if recordsRequestText, let input { attributes[GenAISpanAttribute.inputMessages] = Self.inputMessages(input) }
        return attributes
    }

    private static func toolAttributes(_ tool: String, at position: ChainPosition) -> SpanAttributes {
        [
            GenAISpanAttribute.operationName: "execute_tool", GenAISpanAttribute.toolName: .string(tool), GenAISpanAttribute.toolType: "function",
            GenAISpanAttribute.conversationID: .string(position.chainID), BatonSpanAttribute.hop: .int64(Int64(position.hop)),
        ]
    }

    /// Names the chain a hop's span belongs to, once its position is known.
    static func place(_ span: any Span, at position: ChainPosition) {
        guard span.isRecording else { return }
        span.attributes[GenAISpanAttribute.conversationID] = position.chainID
        span.attributes[BatonSpanAttribute.hop] = position.hop
    }

    /// `[{"role":"user","parts":[{"type":"text","content":…}]}]`, the conventions' shape.
    static func inputMessages(_ input: String) -> String {
        let messages: JSONValue = [["role": "user", "parts": [["type": "text", "content": .string(input)]]]]
        return (try? String(decoding: JSONEncoder().encode(messages), as: UTF8.self)) ?? ""
    }
}
