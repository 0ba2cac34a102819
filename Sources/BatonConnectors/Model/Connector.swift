import BatonCore
import BatonIdentity

/// The end of every chain: a downstream API called as the user, with a token the IdP
/// issued for this user and this API, so the API's own permissions apply.
///
/// A connector names the audience and scopes the broker exchanges for, describes its tools
/// (for brains and models), and executes a tool call with the credentials it is handed.
/// It never holds a token itself: ``ConnectorContext/credentials`` supplies one per call
/// and renews it when the downstream answers 401.
public protocol Connector: Sendable {
    /// The name agents refer to it by, e.g. `servicenow`.
    var name: String { get }
    /// The resource to exchange for, e.g. `api://servicenow` or `https://graph.microsoft.com`.
    var audience: String { get }
    /// The scopes to ask for on that resource.
    var scopes: ScopeSet { get }
    var tools: [ToolDefinition] { get }

    func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult

    /// The audience to exchange for, once known: ``audience`` for every connector but one
    /// that learns it from the downstream (an MCP server's protected-resource metadata).
    func resolvedAudience() async throws(ConnectorError) -> String
}

extension Connector {
    public func resolvedAudience() async throws(ConnectorError) -> String {
        audience
    }

    public func tool(named name: String) -> ToolDefinition? {
        tools.first { $0.name == name }
    }
}

/// A tool as a model or a rules brain sees it.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// JSON Schema of the arguments object.
    public var parameters: JSONValue
    /// JSON Schema of the result's content, when the connector promises its shape (MCP
    /// clients check `structuredContent` against it).
    public var output: JSONValue?

    public init(name: String, description: String, parameters: JSONValue, output: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.output = output
    }
}

/// One call of a tool with its arguments.
public struct ToolCall: Sendable, Equatable {
    public var tool: String
    public var arguments: JSONObject

    public init(tool: String, arguments: JSONObject = [:]) {
        self.tool = tool
        self.arguments = arguments
    }
}

/// What a tool returned: structured content for the caller and a one-line summary.
public struct ToolResult: Sendable, Equatable {
    public var content: JSONValue
    public var summary: String

    public init(content: JSONValue, summary: String) {
        self.content = content
        self.summary = summary
    }
}
