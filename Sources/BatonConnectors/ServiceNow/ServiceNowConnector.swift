import BatonCore
import BatonIdentity
import Foundation

/// ServiceNow's Table API as the user: query any table with an encoded query built from
/// safe parts, get by number or sys_id, create, update (PATCH), add a work note or comment,
/// page with offset and the `Link` header; plus incident-shaped tools for agents.
///
/// The instance maps the token's user claim to a `sys_user`, so its ACLs apply and its
/// audit fields (`sys_updated_by`) name the user, never a service account.
public struct ServiceNowConnector: Connector {
    public let name: String
    public let audience: String
    public let scopes: ScopeSet
    let baseURL: String
    let client: DownstreamClient
    /// Records a list tool returns at most, across pages.
    let maximumRecords: Int

    public init(
        name: String = "servicenow", baseURL: String, audience: String, scopes: ScopeSet, client: DownstreamClient? = nil, maximumRecords: Int = 1_000
    ) {
        self.name = name
        self.baseURL = URLText.trimmingTrailingSlash(baseURL)
        self.audience = audience
        self.scopes = scopes
        self.client = client ?? DownstreamClient(connector: name)
        self.maximumRecords = maximumRecords
    }

    public var tools: [ToolDefinition] { Self.toolDefinitions }

    public func execute(_ call: ToolCall, context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let arguments = ToolArguments(call)
        switch call.tool {
        case "query_incidents": return try await queryIncidents(arguments, context)
        case "get_incident": return try await getIncident(arguments, context)
        case "update_incident": return try await updateIncident(arguments, context)
        case "query_table": return try await queryTable(arguments, context)
        case "get_record": return try await getRecord(arguments, context)
        case "count_records": return try await countRecords(arguments, context)
        case "create_record": return try await createRecord(arguments, context)
        case "update_record": return try await updateRecord(arguments, context)
        case "create_change": return try await createChange(arguments, context)
        case "get_change": return try await getChange(arguments, context)
        case "update_change": return try await updateChange(arguments, context)
        case "list_attachments": return try await listAttachments(arguments, context)
        case "attach_file": return try await attachFile(arguments, context)
        case "add_work_note", "add_comment":
            return try await addJournal(arguments, context, element: call.tool == "add_work_note" ? "work_notes" : "comments")
        default: throw .unknownTool(connector: name, tool: call.tool)
        }
    }

    // MARK: - Incident tools

    private func queryIncidents(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        var query = EncodedQueryBuilder()
        do {
            if try arguments.bool("assigned_to_me", default: true) { try query.add("assigned_to", .equals, script: .currentUser) }
            if try arguments.bool("active", default: true) { try query.add("active", .equals, "true") }
            if let text = try arguments.string("text") {
                try query.add("short_description", .like, text)
                try query.or("description", .like, text)
            }
            if let priority = try arguments.integer("priority", range: 1...5) { try query.add("priority", .equals, String(priority)) }
            try query.order(by: "sys_updated_on", descending: true)
        } catch let error as QueryBuildError {
            throw .invalidArguments(tool: arguments.tool, problem: error.description)
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw .invalidArguments(tool: arguments.tool, problem: "\(error)")
        }
        let limit = try arguments.integer("limit", default: 10, range: 1...maximumRecords) ?? 10
        let page = try await list(
            table: "incident", query: query.encoded, fields: Self.incidentFields, limit: limit, offset: 0, displayValues: true, context: context)
        let summary =
            page.records.isEmpty
            ? "No incidents visible to you match." : "\(page.records.count) incident\(page.records.count == 1 ? "" : "s") visible to you."
        return ToolResult(content: ["incidents": .array(page.records), "total": page.total.map { .integer(Int64($0)) } ?? .null], summary: summary)
    }

    private func getIncident(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let number = try Self.checkedNumber(try arguments.requiredString("number"), tool: arguments.tool)
        let record = try await findByNumber("incident", number: number, fields: Self.incidentFields, context: context)
        return ToolResult(content: record, summary: "\(number): \(record.objectValue?["short_description"]?.stringValue ?? "")")
    }

    private func updateIncident(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let number = try Self.checkedNumber(try arguments.requiredString("number"), tool: arguments.tool)
        var values: JSONObject = [:]
        for field in ["state", "impact", "urgency", "short_description", "work_notes", "comments", "close_code", "close_notes"] {
            if let value = try arguments.string(field) { values[field] = .string(value) }
        }
        guard !values.isEmpty else { throw .invalidArguments(tool: arguments.tool, problem: "give at least one field to change") }
        let found = try await findByNumber("incident", number: number, fields: ["sys_id"], context: context)
        guard let sysID = found.objectValue?["sys_id"]?.stringValue else { throw .notFound(connector: name, message: number) }
        let updated = try await patch(table: "incident", sysID: sysID, resourceName: number, values: values, context: context)
        return ToolResult(content: updated, summary: "\(number) updated by \(updated.objectValue?["sys_updated_by"]?.stringValue ?? "?").")
    }

    // MARK: - Generic Table API tools

    private func queryTable(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let table = try Self.checkedTable(try arguments.requiredString("table"), tool: arguments.tool)
        let query = try Self.checkedQuery(try arguments.string("query") ?? "", tool: arguments.tool)
        let page = try await list(
            table: table, query: query, fields: try arguments.strings("fields"),
            limit: try arguments.integer("limit", default: 100, range: 1...maximumRecords) ?? 100,
            offset: try arguments.integer("offset", default: 0, range: 0...Int.max) ?? 0,
            displayValues: try arguments.bool("display_values", default: false), context: context)
        return ToolResult(
            content: ["records": .array(page.records), "total": page.total.map { .integer(Int64($0)) } ?? .null],
            summary: "\(page.records.count) \(table) record(s) visible to you.")
    }

    /// The Aggregate API: a count, or counts per value of `group_by`, of the records the user may read.
    private func countRecords(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let table = try Self.checkedTable(try arguments.requiredString("table"), tool: arguments.tool)
        let query = try Self.checkedQuery(try arguments.string("query") ?? "", tool: arguments.tool)
        var parameters = [URLQueryItem(name: "sysparm_count", value: "true"), URLQueryItem(name: "sysparm_query", value: query)]
        let groupBy = try arguments.string("group_by")
        if let groupBy {
            guard Self.isFieldName(groupBy) else { throw .invalidArguments(tool: arguments.tool, problem: "'group_by' must be one field name") }
            parameters += [URLQueryItem(name: "sysparm_group_by", value: groupBy), URLQueryItem(name: "sysparm_display_value", value: "true")]
        }
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/now/stats/\(table)?\(Self.encode(parameters))", pathTemplate: "/api/now/stats/{table}",
                resource: "\(name):\(table)"),
            context: context)
        let result = try response.successBody(connector: name).objectValue?["result"]
        let count = { (stats: JSONValue?) in Int(stats?.objectValue?["stats"]?.objectValue?["count"]?.stringValue ?? "") ?? 0 }
        guard groupBy != nil else {
            let total = count(result)
            return ToolResult(content: ["count": .integer(Int64(total))], summary: "\(total) \(table) record(s) match.")
        }
        let groups: [JSONValue] = (result?.arrayValue ?? []).map { group in
            let field = group.objectValue?["groupby_fields"]?.arrayValue?.first?.objectValue
            return [
                "value": field?["value"] ?? "", "display_value": field?["display_value"] ?? field?["value"] ?? "",
                "count": .integer(Int64(count(group))),
            ]
        }
        let total = groups.reduce(0) { $0 + Int($1.objectValue?["count"]?.integerValue ?? 0) }
        let parts = groups.map { "\($0.objectValue?["display_value"]?.stringValue ?? "?"): \($0.objectValue?["count"]?.integerValue ?? 0)" }
        return ToolResult(
            content: ["count": .integer(Int64(total)), "groups": .array(groups)],
            summary: "\(total) \(table) record(s): \(parts.joined(separator: ", ")).")
    }

    private func getRecord(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let table = try Self.checkedTable(try arguments.requiredString("table"), tool: arguments.tool)
        if let number = try arguments.string("number") {
            let record = try await findByNumber(table, number: try Self.checkedNumber(number, tool: arguments.tool), fields: [], context: context)
            return ToolResult(content: record, summary: "\(table) \(number)")
        }
        let sysID = try Self.checkedSysID(try arguments.requiredString("sys_id"), tool: arguments.tool)
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/now/table/\(table)/\(sysID)?sysparm_exclude_reference_link=true",
                pathTemplate: "/api/now/table/{table}/{sys_id}", resource: "\(name):\(table)/\(sysID)"),
            context: context)
        let record = try response.successBody(connector: name).objectValue?["result"] ?? .null
        return ToolResult(content: record, summary: "\(table) \(sysID)")
    }

    private func createRecord(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let table = try Self.checkedTable(try arguments.requiredString("table"), tool: arguments.tool)
        guard let values = try arguments.object("values"), !values.isEmpty else {
            throw .invalidArguments(tool: arguments.tool, problem: "'values' must name the fields to set")
        }
        let response = try await client.send(
            DownstreamRequest(
                method: "POST", url: "\(baseURL)/api/now/table/\(table)?sysparm_exclude_reference_link=true",
                pathTemplate: "/api/now/table/{table}", resource: "\(name):\(table)", body: .object(values)),
            context: context)
        let record = try response.successBody(connector: name).objectValue?["result"] ?? .null
        let number = record.objectValue?["number"]?.stringValue ?? record.objectValue?["sys_id"]?.stringValue ?? "?"
        return ToolResult(content: record, summary: "Created \(table) \(number).")
    }

    private func updateRecord(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let table = try Self.checkedTable(try arguments.requiredString("table"), tool: arguments.tool)
        let sysID = try Self.checkedSysID(try arguments.requiredString("sys_id"), tool: arguments.tool)
        guard let values = try arguments.object("values"), !values.isEmpty else {
            throw .invalidArguments(tool: arguments.tool, problem: "'values' must name the fields to change")
        }
        let record = try await patch(table: table, sysID: sysID, resourceName: sysID, values: values, context: context)
        return ToolResult(content: record, summary: "Updated \(table) \(sysID).")
    }

    private func addJournal(_ arguments: ToolArguments, _ context: ConnectorContext, element: String) async throws(ConnectorError) -> ToolResult {
        let text = try arguments.requiredString("text")
        let (table, sysID, label) = try await namedRecord(arguments, context)
        let record = try await patch(table: table, sysID: sysID, resourceName: label, values: [element: .string(text)], context: context)
        return ToolResult(content: record, summary: "Added a \(element == "work_notes" ? "work note" : "comment") to \(label).")
    }

    /// The record a tool names by `number` or `sys_id` in `table` (default incident): its
    /// table, its sys_id and the name the ledger gives it (the number when there is one).
    func namedRecord(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> (String, String, String) {
        let table = try Self.checkedTable(try arguments.string("table") ?? "incident", tool: arguments.tool)
        if let number = try arguments.string("number") {
            let checked = try Self.checkedNumber(number, tool: arguments.tool)
            let found = try await findByNumber(table, number: checked, fields: ["sys_id"], context: context)
            guard let sysID = found.objectValue?["sys_id"]?.stringValue else { throw .notFound(connector: name, message: checked) }
            return (table, sysID, checked)
        }
        guard let sysID = try arguments.string("sys_id") else {
            throw .invalidArguments(tool: arguments.tool, problem: "name the record by 'number' or 'sys_id'")
        }
        let checked = try Self.checkedSysID(sysID, tool: arguments.tool)
        return (table, checked, checked)
    }

    // MARK: - Requests

    struct Page {
        var records: [JSONValue]
        var total: Int?
    }

    /// Up to `limit` records from `offset`, following `Link: rel="next"` while pages are short of it.
    func list(
        table: String, query: String, fields: [String], limit: Int, offset: Int, displayValues: Bool, context: ConnectorContext
    ) async throws(ConnectorError) -> Page {
        var parameters: [URLQueryItem] = [
            URLQueryItem(name: "sysparm_query", value: query), URLQueryItem(name: "sysparm_limit", value: String(min(limit, 100))),
            URLQueryItem(name: "sysparm_offset", value: String(offset)), URLQueryItem(name: "sysparm_exclude_reference_link", value: "true"),
        ]
        if !fields.isEmpty { parameters.append(URLQueryItem(name: "sysparm_fields", value: fields.joined(separator: ","))) }
        if displayValues { parameters.append(URLQueryItem(name: "sysparm_display_value", value: "true")) }
        var url: String? = "\(baseURL)/api/now/table/\(table)?\(Self.encode(parameters))"
        var records: [JSONValue] = []
        var total: Int?
        while let next = url, records.count < limit {
            let response = try await client.send(
                DownstreamRequest(method: "GET", url: next, pathTemplate: "/api/now/table/{table}", resource: "\(name):\(table)"), context: context)
            guard case .array(let page)? = try response.successBody(connector: name).objectValue?["result"] else {
                throw .unavailable(connector: name, reason: "the list answer has no result array")
            }
            total = response.header("X-Total-Count").flatMap(Int.init) ?? total
            records += page
            url = Self.nextLink(response.header("Link"))
            // Row ACLs can empty a page while more remain; stop only when the instance says so.
            if url != nil, let total, offset + records.count >= total { url = nil }
        }
        return Page(records: Array(records.prefix(limit)), total: total)
    }

    func findByNumber(_ table: String, number: String, fields: [String], context: ConnectorContext) async throws(ConnectorError) -> JSONValue {
        var parameters = [
            URLQueryItem(name: "sysparm_query", value: "number=\(number)"), URLQueryItem(name: "sysparm_limit", value: "1"),
            URLQueryItem(name: "sysparm_exclude_reference_link", value: "true"), URLQueryItem(name: "sysparm_display_value", value: "true"),
        ]
        if !fields.isEmpty { parameters.append(URLQueryItem(name: "sysparm_fields", value: fields.joined(separator: ","))) }
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/now/table/\(table)?\(Self.encode(parameters))", pathTemplate: "/api/now/table/{table}",
                resource: "\(name):\(table)/\(number)"),
            context: context)
        guard case .array(let records)? = try response.successBody(connector: name).objectValue?["result"], let record = records.first else {
            throw .notFound(connector: name, message: "no \(table) \(number) visible to this user")
        }
        return record
    }

    private func patch(table: String, sysID: String, resourceName: String, values: JSONObject, context: ConnectorContext) async throws(ConnectorError)
        -> JSONValue
    {
        let response = try await client.send(
            DownstreamRequest(
                method: "PATCH", url: "\(baseURL)/api/now/table/\(table)/\(sysID)?sysparm_exclude_reference_link=true&sysparm_display_value=true",
                pathTemplate: "/api/now/table/{table}/{sys_id}", resource: "\(name):\(table)/\(resourceName)", body: .object(values)),
            context: context)
        return try response.successBody(connector: name).objectValue?["result"] ?? .null
    }

    // MARK: - Checks and encoding

    static let incidentFields = [
        "number", "short_description", "state", "priority", "assigned_to", "caller_id", "category", "sys_updated_on", "sys_updated_by",
    ]
    static let allowedScripts = ["javascript:gs.getUserID()", "javascript:gs.getUserName()", "javascript:getMyGroups()"]

    /// Whether `query` holds a `javascript:` value (in any case) other than the allowed
    /// ones — each occurrence counts: one allowed script does not let another through.
    static func hasDisallowedScript(_ query: String) -> Bool {
        var rest = query
        for script in allowedScripts { rest = rest.replacingOccurrences(of: script, with: "") }
        return rest.lowercased().unicodeScalars.contains("javascript:".unicodeScalars)
    }

    /// An encoded query an agent passed: any `javascript:` value in it must be one the instance allows.
    static func checkedQuery(_ query: String, tool: String) throws(ConnectorError) -> String {
        if hasDisallowedScript(query) {
            throw .invalidArguments(tool: tool, problem: "only gs.getUserID(), gs.getUserName() and getMyGroups() may appear as javascript: values")
        }
        return query
    }

    static func checkedTable(_ table: String, tool: String) throws(ConnectorError) -> String {
        guard !table.isEmpty, table.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) else {
            throw .invalidArguments(tool: tool, problem: "'\(table)' is not a table name")
        }
        return table
    }

    /// A field name or dot-walked path: lower-case letters, digits, `_` and `.`.
    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 80 && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "." }
    }

    static func checkedSysID(_ sysID: String, tool: String) throws(ConnectorError) -> String {
        guard sysID.count == 32, sysID.allSatisfy(\.isHexDigit) else { throw .invalidArguments(tool: tool, problem: "a sys_id is 32 hex characters") }
        return sysID.lowercased()
    }

    static func checkedNumber(_ number: String, tool: String) throws(ConnectorError) -> String {
        let upper = number.uppercased()
        guard upper.count <= 40, upper.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
            throw .invalidArguments(tool: tool, problem: "'\(number)' is not a record number such as INC0012389")
        }
        return upper
    }

    static func encode(_ items: [URLQueryItem]) -> String {
        items.map { "\($0.name)=\(URLText.percentEncoded($0.value ?? ""))" }.joined(separator: "&")
    }

    /// The `rel="next"` URL of a `Link` header (`<url>;rel="next"`, entries comma-separated;
    /// the URLs themselves may hold commas, so entries are found by their angle brackets).
    static func nextLink(_ header: String?) -> String? {
        guard var rest = header?[...] else { return nil }
        while let start = rest.firstIndex(of: "<"), let end = rest[start...].firstIndex(of: ">") {
            let url = rest[rest.index(after: start)..<end]
            rest = rest[rest.index(after: end)...]
            let parameters = rest.prefix { $0 != "<" }
            if parameters.contains(#"rel="next""#) { return String(url) }
        }
        return nil
    }
}
