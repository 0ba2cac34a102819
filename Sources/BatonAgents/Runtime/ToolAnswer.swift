import BatonConnectors

/// What a direct tool call returned (``AgentRuntime/callTool(_:arguments:at:token:caller:joining:traceID:operation:)``):
/// the connector's result and the chain it was recorded as.
public struct ToolAnswer: Sendable, Equatable {
    public var result: ToolResult
    public var chainID: String

    public init(result: ToolResult, chainID: String) {
        self.result = result
        self.chainID = chainID
    }
}
