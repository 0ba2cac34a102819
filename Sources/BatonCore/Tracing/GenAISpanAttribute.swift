/// Attribute names of the OpenTelemetry GenAI semantic conventions (agent and tool spans),
/// spelled as the conventions spell them. Kept here rather than taken from
/// swift-otel-semantic-conventions, whose GenAI names are behind its `Experimental`
/// trait (a pinned minor version and the whole generated catalogue in every build).
public enum GenAISpanAttribute {
    /// `invoke_agent` or `execute_tool`.
    public static let operationName = "gen_ai.operation.name"
    /// The agent's id (`triage`).
    public static let agentID = "gen_ai.agent.id"
    /// The agent's human-readable name.
    public static let agentName = "gen_ai.agent.name"
    /// The conversation the span belongs to: Baton's chain id.
    public static let conversationID = "gen_ai.conversation.id"
    /// The tool called (`servicenow.list_incidents`).
    public static let toolName = "gen_ai.tool.name"
    /// `function`: a tool the agent calls, run by the application (Baton).
    public static let toolType = "gen_ai.tool.type"
    /// What the agent does, from its definition.
    public static let agentDescription = "gen_ai.agent.description"
    /// The user's words, recorded only when `tracing.record_request_text` allows it.
    public static let inputMessages = "gen_ai.input.messages"

    /// Span names: `invoke_agent {agent}` and `execute_tool {tool}`.
    public static func invokeAgent(_ agent: String) -> String { "invoke_agent \(agent)" }
    public static func executeTool(_ tool: String) -> String { "execute_tool \(tool)" }
}

/// Attribute names of the OpenTelemetry HTTP semantic conventions, for the spans of
/// requests Baton sends (client) and answers (server).
public enum HTTPSpanAttribute {
    public static let requestMethod = "http.request.method"
    public static let responseStatusCode = "http.response.status_code"
    public static let resendCount = "http.request.resend_count"
    public static let serverAddress = "server.address"
    public static let serverPort = "server.port"
    /// The URL without its query or user info, which can carry a user's words or a credential.
    public static let urlFull = "url.full"
    public static let urlPath = "url.path"
    public static let urlScheme = "url.scheme"
    public static let urlTemplate = "url.template"
    public static let errorType = "error.type"
}

/// Baton's own span attributes, under `baton.`.
public enum BatonSpanAttribute {
    /// The hop's number in its chain (0 at the front door).
    public static let hop = "baton.hop"
    /// What opened the hop: `invoke`, `mcp tools/call`, `a2a SendMessage`, …
    public static let operation = "baton.operation"
    /// The audience a token was exchanged for.
    public static let tokenAudience = "baton.token.audience"
}
