import BatonCore
import BatonIdentity
import Foundation
import Synchronization

/// Any MCP server's tools, called as the user.
///
/// The server is a resource like any API: Baton exchanges the user's token for the
/// server's audience and sends that (MCP forbids passing the caller's token on), records
/// each request in the ledger, and speaks the stateless 2026-07-28 revision, falling back
/// to a 2025-11-25 session (opened and closed around the call, since a session belongs to
/// one user) when the server does not speak it.
///
/// The tools agents may call are declared in the connector's definition (`tools:`), so
/// the policy can be checked when definitions load; their descriptions and argument
/// schemas come from the server's `tools/list`, read with the first caller's token and
/// kept for the time the server allows (`ttlMs`, at most ``listLifetime``).
public final class MCPConnector: Connector {
    public let name: String
    public let audience: String
    public let scopes: ScopeSet
    let endpoint: String
    let declared: [String]
    let client: DownstreamClient
    private let listed = Mutex<(tools: [String: ToolDefinition], until: ContinuousClock.Instant)>(([:], .now))
    private let discovered = Mutex<String?>(nil)
    private let listeners = Mutex<[@Sendable () -> Void]>([])

    /// How long a tool listing is kept at most.
    static let listLifetime: Duration = .seconds(300)
    static let revision = "2026-07-28"
    static let legacyRevision = "2025-11-25"

    public init(name: String, endpoint: String, audience: String, scopes: ScopeSet, tools: [String], client: DownstreamClient? = nil) {
        self.name = name
        self.endpoint = endpoint
        self.audience = audience
        self.scopes = scopes
        self.declared = tools
        self.client = client ?? DownstreamClient(connector: name)
    }

    /// Calls `handler` whenever a new listing from the server changes the tools as
    /// ``tools`` describes them (so an MCP endpoint offering them can say its list changed).
    public func onToolsChange(_ handler: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.append(handler) }
    }

    /// The declared tools, with the server's descriptions and schemas once it has listed them.
    public var tools: [ToolDefinition] {
        let known = listed.withLock { $0.tools }
        return declared.map { tool in
            known[tool] ?? ToolDefinition(name: tool, description: "\(tool) on the MCP server \(name)", parameters: ["type": "object"])
        }
    }

    /// The configured audience, else the one the server's protected-resource metadata
    /// (RFC 9728) implies, learned once: the resource of its first full scope
    /// (`api://search-mcp/access_as_user` → `api://search-mcp`, as Entra names scopes), or
    /// its `resource` itself (RFC 8707). The metadata must name this server's URL.
    public func resolvedAudience() async throws(ConnectorError) -> String {
        if !audience.isEmpty { return audience }
        if let known = discovered.withLock({ $0 }) { return known }
        let metadata = try await MCPResourceMetadata.fetch(for: endpoint, client: client.client, connector: name)
        let found = metadata.audience
        discovered.withLock { $0 = found }
        return found
    }

    public func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        guard declared.contains(call.tool) else { throw .unknownTool(connector: name, tool: call.tool) }
        let session = MCPClientSession(connector: self, context: context)
        if listed.withLock({ ContinuousClock.now >= $0.until }) {
            try await refreshListing(session)
        }
        guard listed.withLock({ $0.tools[call.tool] != nil }) else {
            throw .unknownTool(connector: name, tool: "\(call.tool) (the MCP server does not offer it)")
        }
        let result = try await session.request(
            "tools/call", params: ["name": .string(call.tool), "arguments": .object(call.arguments)], name: call.tool)
        return try Self.toolResult(result, connector: name, tool: call.tool)
    }

    private func refreshListing(_ session: MCPClientSession) async throws(ConnectorError) {
        var tools: [String: ToolDefinition] = [:]
        var cursor: String?
        var ttl = Self.listLifetime
        repeat {
            var params: JSONObject = [:]
            if let cursor { params["cursor"] = .string(cursor) }
            let page = try await session.request("tools/list", params: params, name: nil)
            for case .object(let tool) in page.objectValue?["tools"]?.arrayValue ?? [] {
                guard let toolName = tool["name"]?.stringValue else { continue }
                tools[toolName] = ToolDefinition(
                    name: toolName, description: tool["description"]?.stringValue ?? toolName, parameters: tool["inputSchema"] ?? ["type": "object"],
                    output: tool["outputSchema"])
            }
            if let milliseconds = page.objectValue?["ttlMs"]?.integerValue { ttl = min(ttl, .milliseconds(max(0, milliseconds))) }
            cursor = page.objectValue?["nextCursor"]?.stringValue
        } while cursor != nil && tools.count < 10_000
        let until = ContinuousClock.now + ttl
        let changed = listed.withLock { listing in
            let before = declared.map { listing.tools[$0] }
            listing = (tools, until)
            return before != declared.map { tools[$0] }
        }
        if changed { for handler in listeners.withLock({ $0 }) { handler() } }
    }

    /// A `CallToolResult` as a tool result: its structured content (else its text), or,
    /// with `isError`, the server's reason as a downstream error.
    static func toolResult(_ result: JSONValue, connector: String, tool: String) throws(ConnectorError) -> ToolResult {
        let object = result.objectValue ?? [:]
        let text = (object["content"]?.arrayValue ?? []).compactMap { $0.objectValue?["text"]?.stringValue }.joined(separator: "\n")
        if object["isError"] == .bool(true) {
            throw .downstream(connector: connector, status: 200, message: "\(tool) failed: \(text.isEmpty ? "no reason given" : text)")
        }
        let content = object["structuredContent"] ?? ["text": .string(text)]
        return ToolResult(content: content, summary: "\(tool): \(text.split(separator: "\n").first.map(String.init) ?? "done")")
    }
}
