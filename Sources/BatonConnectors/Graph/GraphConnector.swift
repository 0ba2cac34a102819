import BatonCore
import BatonIdentity
import Foundation

/// Microsoft Graph as the signed-in user: the profile, mail and calendar view, following
/// `@odata.nextLink` for more pages. Graph tokens are opaque to everyone but Graph; Baton
/// only forwards them.
public struct GraphConnector: Connector {
    public let name: String
    public let audience: String
    public let scopes: ScopeSet
    let baseURL: String
    let client: DownstreamClient
    let maximumItems: Int

    public init(
        name: String = "graph", baseURL: String = "https://graph.microsoft.com/v1.0", audience: String = "https://graph.microsoft.com",
        scopes: ScopeSet, client: DownstreamClient? = nil, maximumItems: Int = 500
    ) {
        self.name = name
        self.baseURL = URLText.trimmingTrailingSlash(baseURL)
        self.audience = audience
        self.scopes = scopes
        self.client = client ?? DownstreamClient(connector: name)
        self.maximumItems = maximumItems
    }

    public var tools: [ToolDefinition] {
        [
            ToolDefinition(name: "me", description: "The signed-in user's profile.", parameters: Schema.object([:])),
            ToolDefinition(
                name: "list_messages", description: "The user's newest mail messages.",
                parameters: Schema.object([
                    "top": Schema.integer("How many at most (default 10).", minimum: 1, maximum: 1_000),
                    "select": Schema.strings("Properties to return, e.g. subject, from, receivedDateTime."),
                ])),
            ToolDefinition(
                name: "calendar_view", description: "Events between two times (ISO 8601), occurrences expanded.",
                parameters: Schema.object(
                    [
                        "start": Schema.string("Start, e.g. 2026-11-23T00:00:00Z."), "end": Schema.string("End."),
                        "top": Schema.integer("At most.", minimum: 1),
                    ],
                    required: ["start", "end"])),
        ]
    }

    public func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let arguments = ToolArguments(call)
        switch call.tool {
        case "me":
            let profile = try await get("\(baseURL)/me", template: "/me", resource: "\(name):me", context: context)
            return ToolResult(content: profile, summary: profile.objectValue?["displayName"]?.stringValue ?? "profile")
        case "list_messages":
            let top = try arguments.integer("top", default: 10, range: 1...maximumItems) ?? 10
            var query = "$top=\(min(top, 100))&$orderby=receivedDateTime%20desc"
            let select = try arguments.strings("select")
            if !select.isEmpty { query += "&$select=" + select.map { Self.encoded($0) }.joined(separator: ",") }
            let items = try await collect("\(baseURL)/me/messages?\(query)", template: "/me/messages", limit: top, context: context)
            return ToolResult(content: ["messages": .array(items)], summary: "\(items.count) message(s).")
        case "calendar_view":
            let start = try arguments.requiredString("start")
            let end = try arguments.requiredString("end")
            let top = try arguments.integer("top", default: 50, range: 1...maximumItems) ?? 50
            let url = "\(baseURL)/me/calendarView?startDateTime=\(Self.encoded(start))&endDateTime=\(Self.encoded(end))&$top=\(min(top, 100))"
            let items = try await collect(url, template: "/me/calendarView", limit: top, context: context)
            return ToolResult(content: ["events": .array(items)], summary: "\(items.count) event(s).")
        default:
            throw .unknownTool(connector: name, tool: call.tool)
        }
    }

    private func get(_ url: String, template: String, resource: String, context: ConnectorContext) async throws(ConnectorError) -> JSONValue {
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: url, pathTemplate: template, resource: resource, headers: [("client-request-id", UUID().uuidString)]),
            context: context)
        return try response.successBody(connector: name)
    }

    /// Items of a collection, following `@odata.nextLink` (never computing `$skip`) up to `limit`.
    func collect(_ first: String, template: String, limit: Int, context: ConnectorContext) async throws(ConnectorError) -> [JSONValue] {
        var items: [JSONValue] = []
        var next: String? = first
        while let url = next, items.count < limit {
            let page = try await get(url, template: template, resource: "\(name):\(template.dropFirst())", context: context)
            guard case .array(let values)? = page.objectValue?["value"] else {
                throw .unavailable(connector: name, reason: "the collection answer has no value array")
            }
            items += values
            next = page.objectValue?["@odata.nextLink"]?.stringValue
        }
        return Array(items.prefix(limit))
    }

    static func encoded(_ text: String) -> String {
        URLText.percentEncoded(text, alsoAllowed: ":")
    }
}
