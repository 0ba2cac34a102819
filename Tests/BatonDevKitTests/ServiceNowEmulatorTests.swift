import BatonConnectors
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@Suite("The ServiceNow emulator: Table API, ACLs, OIDC inbound")
struct ServiceNowEmulatorTests {
    static let assignedToMe = "assigned_to%3Djavascript:gs.getUserID()%5Eactive%3Dtrue%5EORDERBYnumber"

    @Test("Jane sees her five open incidents, with X-Total-Count and ServiceNow's value shapes")
    func janesIncidents() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let token = try await sn.token()
            let result = try await sn.request("/api/now/table/incident?sysparm_query=\(Self.assignedToMe)", token: token)
            #expect(result.status == 200, "\(result.body)")
            #expect(result.contentType == "application/json;charset=UTF-8")
            #expect(result.records.map { $0["number"] as? String } == ServiceNowSeed.janesOpenIncidents)
            #expect(result.headers["x-total-count"] == "5")
            let assigned = try #require(result.records.first?["assigned_to"] as? [String: String])
            #expect(assigned["link"]?.hasPrefix("\(sn.url)/api/now/table/sys_user/") == true)
            #expect(result.records.first?["priority"] as? String == "2", "impact 2 × urgency 1 → priority 2, stored as the string \"2\"")
            #expect(result.headers["set-cookie"]?.contains("glide_session_store") == true)

            let display = try await sn.request(
                "/api/now/table/incident?sysparm_query=\(Self.assignedToMe)&sysparm_display_value=true&sysparm_exclude_reference_link=true&sysparm_fields=number,assigned_to,state,assigned_to.email",
                token: token)
            let first = try #require(display.records.first)
            #expect(first["assigned_to"] as? String == "Jane Smith")
            #expect(first["state"] as? String == "In Progress")
            #expect(first["assigned_to.email"] as? String == "jane@contoso.com")
            #expect(first.count == 4, "only sysparm_fields")
        }
    }

    @Test("HR and security incidents are dropped from Jane's lists and 404 on a direct get; Harriet and Sam see their own kind")
    func restrictedIncidents() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let jane = try await sn.token()
            let all = try await sn.request("/api/now/table/incident", token: jane)
            let categories = Set(all.records.compactMap { $0["category"] as? String })
            #expect(!categories.contains("hr") && !categories.contains("security"))
            #expect(all.headers["x-total-count"] == "11", "the count is taken before row ACLs, as on a real instance")
            #expect(all.records.count == 8)

            let harriet = try await sn.token(for: "harriet@contoso.com")
            let hr = try await sn.request("/api/now/table/incident?sysparm_query=category%3Dhr", token: harriet)
            #expect(hr.records.count == 2)
            let hrID = try #require(hr.records.first?["sys_id"] as? String)
            let denied = try await sn.request("/api/now/table/incident/\(hrID)", token: jane)
            #expect(denied.status == 404)
            #expect((denied.json["error"] as? [String: Any])?["message"] as? String == "No Record found")
            #expect(denied.json["status"] as? String == "failure")

            let sam = try await sn.token(for: "sam@contoso.com")
            let security = try await sn.request("/api/now/table/incident?sysparm_query=category%3Dsecurity%5EORcategory%3Dhr", token: sam)
            #expect(security.records.map { $0["category"] as? String } == ["security"])
            let counts = try #require(await sn.emulator.visibility(of: "incident", forUserWithEmail: "jane@contoso.com"))
            #expect(counts.total == 11 && counts.readable == 8)
            #expect(counts.hidden == ["INC0012350 (hr)", "INC0012360 (hr)", "INC0012399 (security)"])
        }
    }

    @Test("an update records the caller in sys_updated_by, bumps sys_mod_count, journals work notes, and survives a restart")
    func updatesAsTheCaller() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("servicenow.sqlite")
        let sysID = try await ServiceNowFixture.withRunning(path: path) { sn in
            let token = try await sn.token()
            let mine = try await sn.request("/api/now/table/incident?sysparm_query=number%3DINC0012389&sysparm_limit=1", token: token)
            let sysID = try #require(mine.records.first?["sys_id"] as? String)
            let updated = try await sn.request(
                "/api/now/table/incident/\(sysID)", method: "PATCH", token: token, body: ["state": 2, "urgency": "1", "work_notes": "Replaced toner"])
            #expect(updated.status == 200, "\(updated.body)")
            #expect(updated.record["sys_updated_by"] as? String == "jane.smith")
            #expect(updated.record["sys_mod_count"] as? String == "1")
            #expect(updated.record["priority"] as? String == "2", "priority recomputed: impact 2 × urgency 1 → 2 (was 3)")
            let notes = try await sn.request(
                "/api/now/table/sys_journal_field?sysparm_query=element_id%3D\(sysID)%5Eelement%3Dwork_notes", token: token)
            #expect(notes.records.first?["value"] as? String == "Replaced toner")
            #expect(notes.records.first?["sys_created_by"] as? String == "jane.smith")
            return sysID
        }
        try await ServiceNowFixture.withRunning(path: path) { sn in
            let again = try await sn.request("/api/now/table/incident/\(sysID)?sysparm_display_value=true", token: try await sn.token())
            #expect(again.record["sys_updated_by"] as? String == "jane.smith")
            #expect((again.record["work_notes"] as? String)?.contains("Jane Smith (Work notes)\nReplaced toner") == true)
        }
    }

    @Test(
        "javascript: values are evaluated on insert and update as in queries: a record created with assigned_to=javascript:gs.getUserID() is the caller's"
    )
    func javascriptOnWrite() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let token = try await sn.token()
            let mine = try await sn.request("/api/now/table/incident?sysparm_query=number%3DINC0012345&sysparm_limit=1", token: token)
            let jane = try #require((mine.records.first?["assigned_to"] as? [String: String])?["value"])
            let created = try await sn.request(
                "/api/now/table/incident", method: "POST", token: token,
                body: ["short_description": "Printer jam", "assigned_to": "javascript:gs.getUserID()"])
            #expect(created.status == 201, "\(created.body)")
            #expect((created.record["assigned_to"] as? [String: String])?["value"] == jane, "not the literal expression: \(created.body)")
            let sysID = try #require(created.record["sys_id"] as? String)
            let updated = try await sn.request(
                "/api/now/table/incident/\(sysID)", method: "PATCH", token: token,
                body: ["caller_id": "javascript:gs.getUserID()", "description": "javascript:no.such()"])
            #expect((updated.record["caller_id"] as? [String: String])?["value"] == jane)
            #expect(updated.record["description"] as? String == "", "an expression the instance does not know stores nothing")
        }
    }

    @Test("offset paging: Link has first, prev, next and last without spaces; v1 answers 404 on an empty list")
    func paging() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let token = try await sn.token()
            let page = try await sn.request(
                "/api/now/table/incident?sysparm_query=active%3Dtrue%5EORDERBYnumber&sysparm_limit=3&sysparm_offset=3", token: token)
            // The page is rows 4–6 of the ten active ones; the SOC alert among them is removed by
            // security constraints after paging, as ServiceNow does.
            #expect(page.records.map { $0["number"] as? String } == ["INC0012389", "INC0012401"])
            let link = try #require(page.headers["link"])
            let pattern = try Regex(#"<([^>]+)>;rel="([^"]+)""#)
            let rels = link.matches(of: pattern).map { String($0.output[2].substring!) }
            #expect(rels == ["first", "prev", "next", "last"])
            #expect(!link.contains(", "))
            #expect(link.contains("sysparm_offset=6>;rel=\"next\""))
            #expect(link.contains("sysparm_offset=9>;rel=\"last\""), "10 active incidents, pages of 3 → last at 9")
            #expect(link.contains("sysparm_query=active%3Dtrue%5EORDERBYnumber"))

            let v1 = try await sn.request("/api/now/v1/table/incident?sysparm_query=number%3DINC9999999", token: token)
            #expect(v1.status == 404)
            let v2 = try await sn.request("/api/now/v2/table/incident?sysparm_query=number%3DINC9999999", token: token)
            #expect(v2.status == 200 && v2.records.isEmpty)
        }
    }

    @Test("OIDC inbound: a wrong client id, JTI verification, an unmapped user, a wrong issuer and a skewed clock each give the same 401")
    func inboundRefusals() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let token = try await sn.token()
            let good = await sn.emulator.oidcSettings()
            let cases: [(String, ServiceNowOIDCSettings, String)] = [
                ("wrong client id", with(good) { $0.clientID = "api://servicenow" }, "audience"),
                ("JTI verification", with(good) { $0.jtiVerification = true }, "jti"),
                ("no matching user", with(good) { $0.userField = "user_name" }, "no active sys_user"),
                ("wrong issuer", with(good) { $0.metadataURL = good.metadataURL.replacingOccurrences(of: "/v2.0/", with: "/") }, "issuer"),
            ]
            for (name, settings, reason) in cases {
                await sn.emulator.configure(settings)
                let refused = try await sn.request("/api/now/table/incident?sysparm_limit=1", token: token)
                #expect(refused.status == 401, "\(name)")
                #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "User Not Authenticated", "\(name)")
                let rejection = await sn.emulator.lastRejection() ?? "accepted"
                #expect(rejection.contains(reason), "\(name): \(rejection)")
            }
            await sn.emulator.configure(good)
            sn.emulator.instance.clock.setOffset(7_200)
            #expect(try await sn.request("/api/now/table/incident", token: token).status == 401, "an instance clock 2 h ahead sees an expired token")
            sn.emulator.instance.clock.setOffset(0)
            #expect(try await sn.request("/api/now/table/incident?sysparm_limit=1", token: token).status == 200)
            #expect(try await sn.request("/api/now/table/incident", token: nil).status == 401)
        }
    }

    @Test("scripted faults: 429 with Retry-After and X-RateLimit headers, then normal service")
    func faults() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let token = try await sn.token()
            await sn.emulator.inject(.rateLimited(retryAfter: 2))
            let limited = try await sn.request("/api/now/table/incident?sysparm_limit=1", token: token)
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] == "2")
            #expect(limited.headers["x-ratelimit-limit"] == "100")
            #expect(try await sn.request("/api/now/table/incident?sysparm_limit=1", token: token).status == 200)
        }
    }
}

private func with<T>(_ value: T, _ change: (inout T) -> Void) -> T {
    var copy = value
    change(&copy)
    return copy
}
