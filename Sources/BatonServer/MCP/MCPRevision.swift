/// The MCP protocol revisions Baton serves, and the names they put on the wire.
///
/// 2026-07-28 is stateless: every request carries its version in the `MCP-Protocol-Version`
/// header and in `params._meta`. 2025-11-25 opens with `initialize` and keeps a session
/// (`Mcp-Session-Id`). One endpoint serves both; the header decides, as the MCP SDKs do.
enum MCPRevision: String, Sendable, CaseIterable {
    case stateless = "2026-07-28"
    case sessions = "2025-11-25"

    static let all: [MCPRevision] = [.stateless, .sessions]

    /// Versions an `initialize` may ask for; each is answered as 2025-11-25 semantics, and
    /// 2025-06-18 and 2025-03-26 clients are answered with their own version.
    static let handshakeVersions: Set<String> = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    static let versionHeader = "MCP-Protocol-Version"
    static let methodHeader = "Mcp-Method"
    static let nameHeader = "Mcp-Name"
    static let sessionHeader = "Mcp-Session-Id"

    /// `params._meta` keys of the 2026-07-28 revision.
    enum Meta {
        static let protocolVersion = "io.modelcontextprotocol/protocolVersion"
        static let clientCapabilities = "io.modelcontextprotocol/clientCapabilities"
        static let clientInfo = "io.modelcontextprotocol/clientInfo"
        static let serverInfo = "io.modelcontextprotocol/serverInfo"
        /// On every message of a `subscriptions/listen` stream: the listen request's id.
        static let subscriptionID = "io.modelcontextprotocol/subscriptionId"
    }
}
