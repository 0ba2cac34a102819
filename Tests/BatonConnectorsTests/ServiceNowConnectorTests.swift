import BatonCore
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@testable import BatonConnectors

@Suite("The ServiceNow connector against the emulator")
struct ServiceNowConnectorTests {
    func connector(_ sn: ServiceNowFixture) -> ServiceNowConnector { sn.connector() }

    @Test("Jane sees exactly her visible incidents; each request is recorded with the resource; no cookie is ever sent back")
    func janesIncidents() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let result = try await connector(sn).execute(ToolCall(tool: "query_incidents", arguments: ["limit": 10]), context: context)
            let incidents = try #require(result.content.objectValue?["incidents"]?.arrayValue)
            #expect(Set(incidents.compactMap { $0.objectValue?["number"]?.stringValue }) == Set(ServiceNowSeed.janesOpenIncidents))
            #expect(incidents.first?.objectValue?["assigned_to"]?.stringValue == "Jane Smith")
            let all = try await connector(sn).execute(
                ToolCall(tool: "query_incidents", arguments: ["assigned_to_me": false, "active": false, "limit": 100]), context: context)
            #expect(
                all.content.objectValue?["incidents"]?.arrayValue?.count == 8, "11 incidents exist; the HR and security ones are not Jane's to see")
            let calls = await log.calls
            #expect(calls.count == 2)
            #expect(calls.allSatisfy { $0.resource == "servicenow:incident" && $0.status == 200 && $0.pathTemplate == "/api/now/table/{table}" })
            #expect(await sn.emulator.statistics().cookieReplays == 0)
        }
    }

    @Test("an update through the connector shows sys_updated_by = jane.smith and is recorded against the incident")
    func updateAsJane() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let result = try await connector(sn).execute(
                ToolCall(tool: "update_incident", arguments: ["number": "INC0012401", "state": "2", "work_notes": "Looking into it"]),
                context: context)
            #expect(result.content.objectValue?["sys_updated_by"]?.stringValue == "jane.smith")
            #expect(result.summary == "INC0012401 updated by jane.smith.")
            #expect(await log.calls.map(\.resource) == ["servicenow:incident/INC0012401", "servicenow:incident/INC0012401"])
            #expect(await log.calls.map(\.method) == ["GET", "PATCH"])
        }
    }

    @Test("a 401 drops the token and exchanges once more; a second 401 is reported, not looped")
    func reexchangeOnce() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let good = try await sn.token()
            let credentials = ScriptedCredentials(["not-a-token", good])
            let log = CallLog()
            let result = try await connector(sn).execute(
                ToolCall(tool: "get_incident", arguments: ["number": "INC0012345"]), context: log.context(credentials))
            #expect(result.summary.hasPrefix("INC0012345"))
            #expect(await credentials.renewals == 1)
            #expect(await log.calls.map(\.status) == [401, 200])

            let stale = ScriptedCredentials(["bad-1", "bad-2", "bad-3"])
            await #expect(
                throws: ConnectorError.notAuthenticated(
                    connector: "servicenow", message: "User Not Authenticated: Required to provide Auth information")
            ) {
                _ = try await connector(sn).execute(ToolCall(tool: "get_incident", arguments: ["number": "INC0012345"]), context: log.context(stale))
            }
            #expect(await stale.renewals == 1)
        }
    }

    @Test("a 429 is retried after its Retry-After; a hibernating instance's HTML is named as such")
    func throttlingAndGarbage() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            await sn.emulator.inject(.rateLimited(retryAfter: 1))
            let started = ContinuousClock.now
            _ = try await connector(sn).execute(ToolCall(tool: "get_incident", arguments: ["number": "INC0012345"]), context: context)
            #expect(ContinuousClock.now - started >= .milliseconds(900), "waited for Retry-After")
            #expect(await log.calls.map(\.status) == [429, 200])

            await sn.emulator.inject(.hibernating)
            do {
                _ = try await connector(sn).execute(ToolCall(tool: "get_incident", arguments: ["number": "INC0012345"]), context: context)
                Issue.record("an HTML page was taken for an answer")
            } catch {
                #expect("\(error)".contains("hibernating"))
            }
        }
    }

    @Test("a 403 comes back as not permitted for this user, with ServiceNow's reason; unreadable records are not found")
    func refusals() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let context = CallLog().context(ScriptedCredentials([try await sn.token()]))
            await #expect(
                throws: ConnectorError.notPermitted(
                    connector: "servicenow", message: "Operation Failed: ACL Exception Insert Failed due to security constraints")
            ) {
                _ = try await connector(sn).execute(
                    ToolCall(tool: "create_record", arguments: ["table": "sys_user", "values": ["user_name": "eve"]]), context: context)
            }
            await #expect(throws: ConnectorError.self) {
                _ = try await connector(sn).execute(ToolCall(tool: "get_incident", arguments: ["number": "INC0012350"]), context: context)
            }
            #expect(ConnectorError.notPermitted(connector: "servicenow", message: "x").description.hasPrefix("not permitted for this user"))
        }
    }

    @Test("values cannot smuggle query separators; bad table names and sys_ids are refused before any request")
    func injection() async throws {
        var builder = EncodedQueryBuilder()
        try builder.add("short_description", .like, "vpn^NQsys_idANYTHING")
        #expect(builder.encoded == "short_descriptionLIKEvpn^^NQsys_idANYTHING")
        #expect(throws: QueryBuildError.self) { try builder.add("Short_Description", .equals, "x") }
        #expect(throws: QueryBuildError.self) { try builder.add("priority", in: ["1,2"]) }
        // Found by the `query` fuzz target: a value the builder let through read back as another query.
        #expect(throws: QueryBuildError.ambiguousValue(field: "impact", op: "<")) { try builder.add("impact", .less, "=3") }
        #expect(throws: QueryBuildError.scriptInValue("caller_id")) { try builder.add("caller_id", .equals, "\u{1}javascript:gs.getUserID()") }
        #expect(throws: QueryBuildError.scriptInValue("caller_id")) { try builder.add("caller_id", .equals, " JavaScript:gs.getUserID()") }
        // A raw query_table query: every javascript: value must be an allowed one, in any case.
        #expect(!ServiceNowConnector.hasDisallowedScript("assigned_to=javascript:gs.getUserID()^active=true"))
        #expect(ServiceNowConnector.hasDisallowedScript("assigned_to=javascript:gs.getUserID()^short_description=javascript:gs.eval('x')"))
        #expect(ServiceNowConnector.hasDisallowedScript("short_description=JavaScript:gs.eval('x')"))
        var marked = EncodedQueryBuilder()
        try marked.add("short_description", .equals, "x^\u{35E}NQactive=false")
        #expect(marked.encoded == "short_description=x^^\u{35E}NQactive=false", "a caret before a combining mark is escaped too")
        try await ServiceNowFixture.withRunning { sn in
            let log = CallLog()
            let context = log.context(ScriptedCredentials([try await sn.token()]))
            let result = try await connector(sn).execute(
                ToolCall(tool: "query_incidents", arguments: ["text": "vpn^NQsys_idANYTHING", "assigned_to_me": false]), context: context)
            #expect(result.content.objectValue?["incidents"]?.arrayValue?.isEmpty == true, "the text is one literal value, not a second query")
            for arguments: [String: JSONValueLiteral] in [["table": "incident; drop"], ["table": "incident", "sys_id": "../../x"]] {
                await #expect(throws: ConnectorError.self) {
                    _ = try await connector(sn).execute(
                        ToolCall(tool: "get_record", arguments: arguments.mapValues { .string($0) }), context: context)
                }
            }
            #expect(await log.calls.count == 1)
        }
    }
}

typealias JSONValueLiteral = String
