import BatonCore
import Foundation

/// The Change Management API (`/api/sn_chg_rest/change`) as tools: raise, read and move
/// change requests as the user. Its records come back as `{value, display_value}` per
/// field; the tools answer with the display values a person reads.
extension ServiceNowConnector {
    static let changeFields = [
        "short_description", "description", "justification", "implementation_plan", "backout_plan", "test_plan", "start_date", "end_date",
        "risk", "impact",
    ]

    func createChange(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let type = try arguments.requiredString("type")
        var values: JSONObject = [:]
        for field in Self.changeFields {
            if let value = try arguments.string(field) { values[field] = .string(value) }
        }
        let path: String
        switch type {
        case "normal", "emergency":
            guard values["short_description"] != nil else {
                throw .invalidArguments(tool: arguments.tool, problem: "a \(type) change needs a short_description")
            }
            path = "/api/sn_chg_rest/change/\(type)"
        case "standard":
            guard let name = try arguments.string("template") else {
                throw .invalidArguments(tool: arguments.tool, problem: "a standard change names its template")
            }
            path = "/api/sn_chg_rest/change/standard/\(try await templateID(named: name, tool: arguments.tool, context: context))"
        default:
            throw .invalidArguments(tool: arguments.tool, problem: "type is normal, emergency or standard")
        }
        let response = try await client.send(
            DownstreamRequest(
                method: "POST", url: baseURL + path, pathTemplate: type == "standard" ? "/api/sn_chg_rest/change/standard/{template}" : path,
                resource: "\(name):change_request", body: .object(values)),
            context: context)
        let change = Self.shown(try response.successBody(connector: name).objectValue?["result"])
        let number = change["number"]?.stringValue ?? "?"
        return ToolResult(content: .object(change), summary: "Raised \(type) change \(number) (\(change["state"]?.stringValue ?? "?")).")
    }

    func getChange(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let number = try Self.checkedNumber(try arguments.requiredString("number"), tool: arguments.tool)
        var change = try await findChange(number, context: context)
        let sysID = change["sys_id"]?.stringValue ?? ""
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/sn_chg_rest/change/\(sysID)/task", pathTemplate: "/api/sn_chg_rest/change/{sys_id}/task",
                resource: "\(name):change_request/\(number)"),
            context: context)
        change["tasks"] = .array((try response.successBody(connector: name).objectValue?["result"]?.arrayValue ?? []).map { .object(Self.shown($0)) })
        return ToolResult(
            content: .object(change),
            summary: "\(number): \(change["short_description"]?.stringValue ?? "") — \(change["state"]?.stringValue ?? "?").")
    }

    func updateChange(_ arguments: ToolArguments, _ context: ConnectorContext) async throws(ConnectorError) -> ToolResult {
        let number = try Self.checkedNumber(try arguments.requiredString("number"), tool: arguments.tool)
        var values: JSONObject = [:]
        for field in [
            "state", "short_description", "description", "start_date", "end_date", "implementation_plan", "backout_plan", "close_code", "close_notes",
            "work_notes",
        ] {
            if let value = try arguments.string(field) { values[field] = .string(value) }
        }
        guard !values.isEmpty else { throw .invalidArguments(tool: arguments.tool, problem: "give at least one field to change") }
        let sysID = try await findChange(number, context: context)["sys_id"]?.stringValue ?? ""
        let response = try await client.send(
            DownstreamRequest(
                method: "PATCH", url: "\(baseURL)/api/sn_chg_rest/change/\(sysID)", pathTemplate: "/api/sn_chg_rest/change/{sys_id}",
                resource: "\(name):change_request/\(number)", body: .object(values)),
            context: context)
        let change = Self.shown(try response.successBody(connector: name).objectValue?["result"])
        return ToolResult(content: .object(change), summary: "\(number) is now \(change["state"]?.stringValue ?? "?").")
    }

    /// The change `number` as display values (and its `sys_id`), if the user may read it.
    private func findChange(_ number: String, context: ConnectorContext) async throws(ConnectorError) -> JSONObject {
        let query = Self.encode([URLQueryItem(name: "sysparm_query", value: "number=\(number)"), URLQueryItem(name: "sysparm_limit", value: "1")])
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/sn_chg_rest/change?\(query)", pathTemplate: "/api/sn_chg_rest/change",
                resource: "\(name):change_request/\(number)"),
            context: context)
        guard let found = try response.successBody(connector: name).objectValue?["result"]?.arrayValue?.first else {
            throw .notFound(connector: name, message: "no change \(number) visible to this user")
        }
        return Self.shown(found)
    }

    private func templateID(named template: String, tool: String, context: ConnectorContext) async throws(ConnectorError) -> String {
        guard !template.contains("^"), template.count <= 200 else {
            throw .invalidArguments(tool: tool, problem: "'\(template)' is not a template name")
        }
        let query = Self.encode([URLQueryItem(name: "sysparm_query", value: "active=true^name=\(template)")])
        let response = try await client.send(
            DownstreamRequest(
                method: "GET", url: "\(baseURL)/api/sn_chg_rest/change/standard/template?\(query)",
                pathTemplate: "/api/sn_chg_rest/change/standard/template", resource: "\(name):std_change_producer_version"),
            context: context)
        guard let found = try response.successBody(connector: name).objectValue?["result"]?.arrayValue?.first,
            let sysID = found.objectValue?["sys_id"]?.objectValue?["value"]?.stringValue
        else { throw .notFound(connector: name, message: "no active standard change template named '\(template)'") }
        return sysID
    }

    /// A Change Management record as people read it: each `{value, display_value}` as its
    /// display value, `sys_id` as its value.
    static func shown(_ record: JSONValue?) -> JSONObject {
        var shown: JSONObject = [:]
        for (field, value) in record?.objectValue ?? [:] {
            let pair = value.objectValue
            shown[field] = field == "sys_id" ? (pair?["value"] ?? value) : (pair?["display_value"] ?? pair?["value"] ?? value)
        }
        return shown
    }
}
