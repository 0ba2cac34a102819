import BatonAgents
import BatonConnectors
import BatonCore

/// Baton's tools and their results as MCP writes them.
enum MCPToolShapes {
    /// A `Tool` of `tools/list`: the qualified name, its description and the JSON Schema of
    /// its arguments.
    static func tool(named name: String, _ definition: ToolDefinition) -> JSONValue {
        var tool: JSONObject = [
            "name": .string(name), "title": .string(name), "description": .string(definition.description),
            "inputSchema": definition.parameters,
        ]
        tool["outputSchema"] = definition.output
        return .object(tool)
    }

    /// The name of the tool that asks the agent itself.
    static let askName = "ask"

    /// The agent itself as a tool: a request in words, run as a chain at the agent (its
    /// brain, its delegations, its tools), as `/v1/agents/{agent}/invoke` runs it.
    static func ask(_ agent: String) -> ToolDefinition {
        ToolDefinition(
            name: askName, description: "Ask the \(agent) agent in words; it works as you (its own tools and the agents it delegates to).",
            parameters: [
                "type": "object", "required": ["request"], "additionalProperties": false,
                "properties": [
                    "request": ["type": "string", "minLength": 1, "description": "What you want, e.g. 'Show me 5 incidents assigned to me'."]
                ],
            ],
            output: [
                "type": "object", "required": ["answer", "chain_id", "agents"],
                "properties": [
                    "answer": ["type": "string"], "data": ["description": "What the chain returned as data, if anything."],
                    "chain_id": ["type": "string", "description": "The chain in Baton's audit ledger."],
                    "agents": ["type": "array", "items": ["type": "string"], "description": "The agents the request went through, in order."],
                ],
            ])
    }

    /// What the agent answered, as the content of ``ask(_:)``'s result.
    static func asked(_ answer: AgentAnswer) -> ToolResult {
        var content: JSONObject = [
            "answer": .string(answer.text), "chain_id": .string(answer.chainID), "agents": .array(answer.hops.map { .string($0.agent) }),
        ]
        content["data"] = answer.data
        return ToolResult(content: .object(content), summary: answer.text)
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
