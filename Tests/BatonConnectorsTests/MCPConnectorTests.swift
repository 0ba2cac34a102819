import BatonCore
import Testing

@testable import BatonConnectors

@Suite("MCP servers as connectors: results and the audience their metadata implies")
struct MCPConnectorTests {
    @Test("the audience is the resource of the first full scope URI (Entra's naming), else the metadata's resource")
    func audienceFromMetadata() {
        let url = "https://tools.example.com/mcp"
        #expect(MCPResourceMetadata(resource: url, scopes: ["openid", "api://search-mcp/access_as_user"]).audience == "api://search-mcp")
        #expect(MCPResourceMetadata(resource: url, scopes: ["https://tools.example.com/mcp/read"]).audience == "https://tools.example.com/mcp")
        #expect(MCPResourceMetadata(resource: url, scopes: ["read", "write"]).audience == url)
        #expect(MCPResourceMetadata(resource: url, scopes: []).audience == url)
    }

    @Test("a CallToolResult becomes its structured content, else its text; isError is the server's failure with its text")
    func toolResults() throws {
        let structured = try MCPConnector.toolResult(
            ["content": [["type": "text", "text": "{…}"]], "structuredContent": ["oid": "x"], "isError": false], connector: "t", tool: "whoami")
        #expect(structured.content == ["oid": "x"])
        let text = try MCPConnector.toolResult(
            ["content": [["type": "text", "text": "one"], ["type": "text", "text": "two"]]], connector: "t", tool: "echo")
        #expect(text.content == ["text": "one\ntwo"] && text.summary == "echo: one")
        #expect(throws: ConnectorError.downstream(connector: "t", status: 200, message: "fail failed: nope")) {
            try MCPConnector.toolResult(["content": [["type": "text", "text": "nope"]], "isError": true], connector: "t", tool: "fail")
        }
    }
}
