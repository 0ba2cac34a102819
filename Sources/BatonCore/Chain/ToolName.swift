/// A tool as agents name it: `connector.tool`, e.g. `servicenow.query_incidents`.
public struct ToolName: Sendable, Hashable, CustomStringConvertible {
    public let connector: String
    public let tool: String

    public init(connector: String, tool: String) {
        self.connector = connector
        self.tool = tool
    }

    /// Splits `qualified` at its first dot; `nil` when either side is empty.
    public init?(_ qualified: String) {
        guard let dot = qualified.firstIndex(of: ".") else { return nil }
        let connector = String(qualified[..<dot])
        let tool = String(qualified[qualified.index(after: dot)...])
        guard !connector.isEmpty, !tool.isEmpty else { return nil }
        self.init(connector: connector, tool: tool)
    }

    /// `connector.tool`.
    public var qualified: String { "\(connector).\(tool)" }
    public var description: String { qualified }
}
