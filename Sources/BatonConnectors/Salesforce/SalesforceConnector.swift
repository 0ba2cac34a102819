import BatonCore
import BatonIdentity
import Foundation

/// Salesforce's REST API as the user: SOQL queries (following `nextRecordsUrl`), and
/// reading and updating one sObject. Salesforce accepts only its own tokens, so the
/// audience is whatever the token exchange setup issues them for.
public struct SalesforceConnector: Connector {
    public let name: String
    public let audience: String
    public let scopes: ScopeSet
    /// The My Domain host, e.g. `https://acme.my.salesforce.com`.
    let instanceURL: String
    /// e.g. `v62.0`.
    let apiVersion: String
    let client: DownstreamClient
    let maximumRecords: Int

    public init(
        name: String = "salesforce", instanceURL: String, apiVersion: String = "v62.0", audience: String, scopes: ScopeSet,
        client: DownstreamClient? = nil, maximumRecords: Int = 2_000
    ) {
        self.name = name
        self.instanceURL = URLText.trimmingTrailingSlash(instanceURL)
        self.apiVersion = apiVersion
        self.audience = audience
        self.scopes = scopes
        self.client = client ?? DownstreamClient(connector: name)
        self.maximumRecords = maximumRecords
    }

    public var tools: [ToolDefinition] {
        [
            ToolDefinition(
                name: "soql_query", description: "Run a SOQL query; the user's sharing rules apply.",
                parameters: Schema.object(
                    ["soql": Schema.string("e.g. SELECT Id, Name FROM Account LIMIT 10"), "limit": Schema.integer("Records at most.", minimum: 1)],
                    required: ["soql"])),
            ToolDefinition(
                name: "get_record", description: "One sObject by type and id.",
                parameters: Schema.object(
                    [
                        "type": Schema.string("e.g. Account"), "id": Schema.string("15 or 18 characters"),
                        "fields": Schema.strings("Fields to return."),
                    ],
                    required: ["type", "id"])),
            ToolDefinition(
                name: "update_record", description: "Change fields of one sObject.",
                parameters: Schema.object(
                    ["type": Schema.string("e.g. Account"), "id": Schema.string("Record id"), "values": Schema.anyObject("Field values.")],
                    required: ["type", "id", "values"])),
        ]
    }

    private var base: String { "\(instanceURL)/services/data/\(apiVersion)" }

    public func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let arguments = ToolArguments(call)
        switch call.tool {
        case "soql_query":
            let soql = try arguments.requiredString("soql")
            let limit = try arguments.integer("limit", default: maximumRecords, range: 1...maximumRecords) ?? maximumRecords
            var next: String? = "\(base)/query?q=\(soql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? soql)"
            var records: [JSONValue] = []
            var total: Int64 = 0
            while let url = next, records.count < limit {
                let response = try await client.send(
                    DownstreamRequest(method: "GET", url: url, pathTemplate: "/query", resource: "\(name):query"), context: context)
                let page = try response.successBody(connector: name).objectValue ?? [:]
                records += page["records"]?.arrayValue ?? []
                total = page["totalSize"]?.integerValue ?? total
                next = page["done"] == .bool(false) ? page["nextRecordsUrl"]?.stringValue.map { instanceURL + $0 } : nil
            }
            return ToolResult(
                content: ["records": .array(Array(records.prefix(limit))), "totalSize": .integer(total)],
                summary: "\(min(records.count, limit)) record(s).")
        case "get_record", "update_record":
            let type = try Self.checkedName(try arguments.requiredString("type"), tool: call.tool)
            let id = try Self.checkedName(try arguments.requiredString("id"), tool: call.tool)
            if call.tool == "get_record" {
                let fields = try arguments.strings("fields")
                let query = fields.isEmpty ? "" : "?fields=" + fields.joined(separator: ",")
                let response = try await client.send(
                    DownstreamRequest(
                        method: "GET", url: "\(base)/sobjects/\(type)/\(id)\(query)", pathTemplate: "/sobjects/{type}/{id}",
                        resource: "\(name):\(type)/\(id)"),
                    context: context)
                return ToolResult(content: try response.successBody(connector: name), summary: "\(type) \(id)")
            }
            guard let values = try arguments.object("values"), !values.isEmpty else {
                throw .invalidArguments(tool: call.tool, problem: "'values' must name the fields to change")
            }
            let response = try await client.send(
                DownstreamRequest(
                    method: "PATCH", url: "\(base)/sobjects/\(type)/\(id)", pathTemplate: "/sobjects/{type}/{id}", resource: "\(name):\(type)/\(id)",
                    body: .object(values)),
                context: context)
            _ = try response.successBody(connector: name, expectBody: false)
            return ToolResult(
                content: ["id": .string(id), "updated": .array(values.keys.sorted().map(JSONValue.string))], summary: "Updated \(type) \(id).")
        default:
            throw .unknownTool(connector: name, tool: call.tool)
        }
    }

    static func checkedName(_ value: String, tool: String) throws(ConnectorError) -> String {
        guard !value.isEmpty, value.count <= 80, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw .invalidArguments(tool: tool, problem: "'\(value)' is not a Salesforce name or id")
        }
        return value
    }
}
