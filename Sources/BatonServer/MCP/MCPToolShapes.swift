import BatonAgents
import BatonConnectors
import BatonCore

/// Baton's tools and their results as MCP writes them.
enum MCPToolShapes {
    /// A `Tool` of `tools/list`: the qualified name, its description and the JSON Schema of
    /// its arguments.
    static func tool(named name: String, _ definition: ToolDefinition) -> JSONValue {
        [
            "name": .string(name), "title": .string(name), "description": .string(definition.description),
            "inputSchema": definition.parameters,
        ]
    }

    /// A `CallToolResult` for what the tool returned: its content as `structuredContent`
    /// (an object, as 2025-11-25 requires; other values are wrapped as `{"result": …}`) and
    /// the same JSON as text, for clients that read text only.
    static func result(_ result: ToolResult) -> JSONValue {
        let structured: JSONValue = result.content.objectValue != nil ? result.content : ["result": result.content]
        return [
            "content": [["type": "text", "text": .string(String(decoding: structured.serialized, as: UTF8.self))]],
            "structuredContent": structured, "isError": false,
        ]
    }

    /// A `CallToolResult` with `isError`: why the tool did not do its work, for the model to read.
    static func failure(_ message: String, code: String) -> JSONValue {
        ["content": [["type": "text", "text": .string(message)]], "isError": true, "_meta": ["baton/code": .string(code)]]
    }
}
