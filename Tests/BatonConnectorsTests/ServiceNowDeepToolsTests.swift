import BatonCore
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@testable import BatonConnectors

/// The ServiceNow connector's tools beyond the Table API — counts, changes, attachments —
/// against the emulator, as Jane, each request recorded with what it touched.
@Suite("The ServiceNow connector: counts, changes and attachments")
struct ServiceNowDeepToolsTests {
    func connector(_ sn: ServiceNowFixture) -> ServiceNowConnector { sn.connector() }

    @Test("count_records: Jane's open incidents by priority add up to her five; a bad group_by is one clear sentence")
    func counts() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let result = try await connector(sn).execute(
                ToolCall(
                    tool: "count_records",
                    arguments: ["table": "incident", "query": "active=true^assigned_to=javascript:gs.getUserID()", "group_by": "priority"]),
                context: context)
            #expect(result.content.objectValue?["count"]?.integerValue == Int64(ServiceNowSeed.janesOpenIncidents.count))
            let groups = try #require(result.content.objectValue?["groups"]?.arrayValue)
            #expect(groups.contains { $0.objectValue?["display_value"]?.stringValue == "2 - High" })
            #expect(result.summary.hasPrefix("5 incident record(s): "))
            #expect(await log.calls.map(\.pathTemplate) == ["/api/now/stats/{table}"])
            #expect(await log.calls.map(\.resource) == ["servicenow:incident"])
            let all = try await connector(sn).execute(ToolCall(tool: "count_records", arguments: ["table": "incident"]), context: context)
            #expect(all.content.objectValue?["count"]?.integerValue == 8, "the HR and security incidents are not counted for Jane")

            await #expect(throws: ConnectorError.self) {
                try await connector(sn).execute(
                    ToolCall(tool: "count_records", arguments: ["table": "incident", "group_by": "colour"]), context: context)
            }
            do {
                _ = try await connector(sn).execute(
                    ToolCall(tool: "count_records", arguments: ["table": "incident", "group_by": "colour"]), context: context)
            } catch {
                #expect("\(error)".contains("Invalid field: colour"), "\(error)")
            }
        }
    }

    @Test("changes: a normal and a standard change raised as Jane, read back with their tasks, moved on; a template that does not exist is named")
    func changes() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let normal = try await connector(sn).execute(
                ToolCall(
                    tool: "create_change",
                    arguments: ["type": "normal", "short_description": "Replace the core switch in building B", "risk": "2"]),
                context: context)
            let number = try #require(normal.content.objectValue?["number"]?.stringValue)
            #expect(number.hasPrefix("CHG") && normal.content.objectValue?["state"]?.stringValue == "New")
            #expect(
                normal.content.objectValue?["requested_by"]?.stringValue == "Jane Smith" && normal.content.objectValue?["risk"]?.stringValue == "High"
            )

            let standard = try await connector(sn).execute(
                ToolCall(tool: "create_change", arguments: ["type": "standard", "template": "Clear BGP sessions on a router"]), context: context)
            #expect(standard.content.objectValue?["type"]?.stringValue == "standard")
            #expect(standard.content.objectValue?["state"]?.stringValue == "Scheduled")
            #expect(standard.content.objectValue?["short_description"]?.stringValue == "Clear BGP sessions on a router")

            let moved = try await connector(sn).execute(
                ToolCall(tool: "update_change", arguments: ["number": .string(number), "state": "-4", "work_notes": "Assessing"]), context: context)
            #expect(moved.content.objectValue?["state"]?.stringValue == "Assess" && moved.summary == "\(number) is now Assess.")
            let read = try await connector(sn).execute(ToolCall(tool: "get_change", arguments: ["number": .string(number)]), context: context)
            #expect(read.content.objectValue?["sys_updated_by"]?.stringValue == "jane.smith")
            #expect(read.content.objectValue?["tasks"]?.arrayValue?.isEmpty == true)
            #expect(await log.calls.contains { $0.resource == "servicenow:change_request/\(number)" && $0.method == "PATCH" })

            do {
                _ = try await connector(sn).execute(
                    ToolCall(tool: "create_change", arguments: ["type": "standard", "template": "Reboot the moon"]), context: context)
                Issue.record("an unknown template is refused")
            } catch {
                #expect("\(error)".contains("no active standard change template named 'Reboot the moon'"), "\(error)")
            }
            await #expect(throws: ConnectorError.self) {
                try await connector(sn).execute(ToolCall(tool: "create_change", arguments: ["type": "normal"]), context: context)
            }

            // Audrey (no fulfiller role) may not raise one: ServiceNow's 403, one sentence.
            let audrey = log.context(ScriptedCredentials([try await sn.token(for: "audrey@contoso.com")]))
            do {
                _ = try await connector(sn).execute(
                    ToolCall(tool: "create_change", arguments: ["type": "normal", "short_description": "x"]), context: audrey)
                Issue.record("Audrey may not raise a change")
            } catch {
                #expect("\(error)".contains("403") || "\(error)".lowercased().contains("security"), "\(error)")
            }
        }
    }

    @Test("attachments: a log attached to INC0012389 is listed; none can be attached to an HR incident; the ledger names the record")
    func attachments() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let attached = try await connector(sn).execute(
                ToolCall(
                    tool: "attach_file", arguments: ["number": "INC0012389", "file_name": "outlook.log", "content": "sync failed: 0x8004010F\n"]),
                context: context)
            #expect(attached.summary == "Attached outlook.log (24 bytes) to INC0012389.")
            let listed = try await connector(sn).execute(ToolCall(tool: "list_attachments", arguments: ["number": "INC0012389"]), context: context)
            let files = try #require(listed.content.objectValue?["attachments"]?.arrayValue)
            #expect(files.map { $0.objectValue?["file_name"]?.stringValue } == ["outlook.log"])
            #expect(files.first?.objectValue?["size_bytes"]?.stringValue == "24")
            #expect(await log.calls.contains { $0.resource == "servicenow:sys_attachment/incident/INC0012389" && $0.method == "POST" })

            let harriet = try await sn.token(for: "harriet@contoso.com")
            let hrRecords = try await sn.request("/api/now/table/incident?sysparm_query=category%3Dhr", token: harriet)
            let hr = try #require(hrRecords.records.first?["sys_id"] as? String)
            await #expect(throws: ConnectorError.self) {
                try await connector(sn).execute(
                    ToolCall(tool: "attach_file", arguments: ["sys_id": .string(hr), "file_name": "notes.txt", "content": "x"]), context: context)
            }
            await #expect(throws: ConnectorError.self) {
                try await connector(sn).execute(
                    ToolCall(tool: "attach_file", arguments: ["number": "INC0012389", "file_name": "../etc/passwd", "content": "x"]), context: context
                )
            }
        }
    }

    /// One bad call per tool, and the words the answer must hold.
    static let badCalls: [(tool: String, arguments: JSONObject, code: String, says: String)] = [
        ("query_incidents", ["priority": 9], "invalid_arguments", "'priority' must be between 1 and 5"),
        ("get_incident", ["number": "INC 12; drop"], "invalid_arguments", "is not a record number such as INC0012389"),
        ("update_incident", ["number": "INC0099999", "state": "2"], "not_found", "no incident INC0099999 visible to this user"),
        ("query_table", ["table": "incident", "query": "priority=1^=x"], "downstream_error", "Invalid query"),
        ("count_records", ["table": "incident", "group_by": "colour"], "downstream_error", "Invalid field: colour"),
        ("count_records", ["table": "incident", "query": "priority=1^=x"], "downstream_error", "Invalid query"),
        ("create_change", ["type": "routine"], "invalid_arguments", "type is normal, emergency or standard"),
        ("get_change", ["number": "CHG0099999"], "not_found", "no change CHG0099999 visible to this user"),
        ("update_change", ["number": "CHG0030001"], "invalid_arguments", "give at least one field to change"),
        ("list_attachments", ["table": "incident"], "invalid_arguments", "name the record by 'number' or 'sys_id'"),
        (
            "attach_file", ["number": "INC0012389", "file_name": "big.log", "content": .string(String(repeating: "x", count: (1 << 20) + 1))],
            "invalid_arguments", "the file is 1048577 bytes; at most 1048576"
        ),
        ("get_record", ["table": "Incident; drop", "number": "INC0012389"], "invalid_arguments", "'Incident; drop' is not a table name"),
        ("create_record", ["table": "incident", "values": "short_description=x"], "invalid_arguments", "'values' must be an object"),
        ("update_record", ["table": "incident", "sys_id": "abc", "values": ["state": "2"]], "invalid_arguments", "a sys_id is 32 hex characters"),
        ("add_work_note", ["number": "INC0012389"], "invalid_arguments", "'text' is required"),
        ("add_comment", ["number": "INC0099999", "text": "hello"], "not_found", "no incident INC0099999 visible to this user"),
        ("query_table", ["table": "incident", "query": "caller_id=javascript:gs.sleep(100)"], "invalid_arguments", "javascript: values"),
    ]

    @Test(
        "every tool's bad input — a malformed encoded query, an unknown group-by field, an oversized file, a missing record — is one clear sentence, and nothing is written"
    )
    func badInputIsOneSentence() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let before = try await sn.request("/api/now/table/incident?sysparm_limit=100", token: try await sn.token()).records.count
            var covered = Set<String>()
            for bad in Self.badCalls {
                do {
                    _ = try await connector(sn).execute(ToolCall(tool: bad.tool, arguments: bad.arguments), context: context)
                    Issue.record("\(bad.tool) accepted \(bad.arguments)")
                } catch let error as ConnectorError {
                    let sentence = error.description
                    #expect(error.code == bad.code, "\(bad.tool): \(error.code), \(sentence)")
                    #expect(sentence.contains(bad.says), "\(bad.tool): \(sentence)")
                    #expect(!sentence.contains("\n") && sentence.count <= 300, "\(bad.tool): one line, not a dump: \(sentence)")
                    #expect(!sentence.contains("{") && !sentence.contains("eyJ"), "\(bad.tool): no JSON, no token: \(sentence)")
                    covered.insert(bad.tool)
                }
            }
            #expect(
                covered == Set(connector(sn).tools.map(\.name)),
                "every tool has a bad call: \(Set(connector(sn).tools.map(\.name)).subtracting(covered))")
            let after = try await sn.request("/api/now/table/incident?sysparm_limit=100", token: try await sn.token()).records.count
            #expect(after == before, "no bad call wrote a record")
            let methods = await log.calls.map(\.method)
            #expect(!methods.contains { $0 != "GET" }, "no bad call reached ServiceNow with a write: \(methods)")
        }
    }
}
