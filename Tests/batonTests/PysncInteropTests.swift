import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// ServiceNow's own Python client, `pysnc` 1.2.1, against the emulator of `baton dev up
/// --https` with a token the dev IdP issued On-Behalf-Of Jane for ServiceNow's audience —
/// what a user's existing scripts do, unchanged (`Interop/pysnc_client.py`).
@Suite("pysnc against the ServiceNow emulator")
struct PysncInteropTests {
    @Test(
        "Jane's pysnc script: her incidents by encoded query, ordering, display values and pages; get by sys_id and number; insert and update as her; an attachment read back byte for byte, none on an HR incident; update_multiple and delete_multiple through the Batch API (Jane's deletes refused, an admin's done); then the same APIs through Baton's connector, in the ledger"
    )
    func janesScript() async throws {
        let python = try InteropVirtualenv.python("pysnc", overriddenBy: "BATON_PYSNC_PYTHON")
        let directory = try TemporaryDirectory()
        try await InteropSlot.exclusive {
            let (process, endpoints) = try await DevUpStack.launch(dataDirectory: directory.file("stack"), arguments: ["--https"])
            defer { process.signal(SIGINT) }
            let servicenow = try #require(endpoints?["servicenow"] as? String, "\(process.standardError.suffix(2_000))")
            #expect(servicenow.hasPrefix("https://127.0.0.1:"), "the emulator serves HTTPS")
            let ca = try #require(endpoints?["ca"] as? String, "endpoints.json names the CA")
            let idp = try #require(endpoints?["idp"] as? String)
            let tenantID = try #require(endpoints?["tenant"] as? String)

            let token = try await Self.serviceNowToken(for: "jane@contoso.com", idp: idp, tenantID: tenantID)
            let adminToken = try await Self.serviceNowToken(for: "ada@contoso.com", idp: idp, tenantID: tenantID)

            let (status, output) = try await ChildProcess.run(
                python, [RepositoryPaths.path("Tests/batonTests/Interop/pysnc_client.py")],
                environment: ["SN_URL": servicenow, "SN_CA": ca, "SN_TOKEN": token, "SN_ADMIN_TOKEN": adminToken])
            #expect(status == 0, "\(output)")
            let line = try #require(output.split(separator: "\n").last, "\(output)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output)")

            // 1. exactly her open incidents, newest number first, with display values
            let mine = try #require(report["mine"] as? [[String: Any]])
            #expect(mine.compactMap { $0["number"] as? String } == ServiceNowSeed.janesOpenIncidents.sorted().reversed())
            #expect(report["mine_count"] as? Int == ServiceNowSeed.janesOpenIncidents.count)
            #expect(mine.allSatisfy { $0["assigned_to_display"] as? String == "Jane Smith" })
            #expect(mine.contains { $0["state"] as? String == "2" && $0["state_display"] as? String == "In Progress" })
            let readable = try #require(report["active_numbers"] as? [String])
            #expect(!readable.isEmpty && ServiceNowSeed.hiddenFromJane.allSatisfy { !readable.contains($0) }, "no HR or security incident")
            #expect((report["active_categories"] as? [String])?.contains("hr") == false)
            #expect(report["get_by_number"] as? Bool == true && report["get_by_sys_id"] as? Bool == true)
            #expect(report["get_hr"] as? Bool == false, "an HR incident is not found for Jane")

            // 2. written as Jane
            let inserted = try #require(report["inserted"] as? [String: Any])
            #expect(inserted["same_id"] as? Bool == true && inserted["state"] as? String == "2")
            #expect((inserted["number"] as? String)?.hasPrefix("INC") == true)
            #expect(inserted["created_by"] as? String == "jane.smith" && inserted["updated_by"] as? String == "jane.smith")

            // 3. the attachment
            let attachment = try #require(report["attachment"] as? [String: Any])
            #expect((attachment["location"] as? String)?.hasPrefix("\(servicenow)/api/now/attachment/") == true)
            #expect(attachment["listed"] as? Int == 1 && attachment["names"] as? [String] == ["dock-log.bin"])
            #expect(attachment["identical"] as? Bool == true, "read back byte for byte")
            #expect(report["hr_upload"] as? String != "accepted", "no attachment on a record Jane cannot read: \(report["hr_upload"] ?? "")")
            #expect(report["attachments_after_delete"] as? Int == 0)

            // 4. the batch
            #expect(report["batch_update"] as? Bool == true)
            let after = try #require(report["batch_after"] as? [[String: Any]])
            #expect(after.count == 2 && after.allSatisfy { $0["urgency"] as? String == "1" && $0["updated_by"] as? String == "jane.smith" })

            // delete_multiple: refused for Jane (no delete ACL), nothing gone; Ada's deletes all.
            #expect(report["jane_delete_multiple"] as? Bool == false, "\(report["jane_delete_multiple"] ?? "")")
            #expect(report["left_after_jane"] as? Int == 2)
            #expect(report["admin_delete_multiple"] as? Bool == true)
            #expect(report["left_after_admin"] as? Int == 0)

            // 5. The same APIs through Baton's connector, over HTTPS (its ca_file), each call in the ledger.
            let baton = try #require(endpoints?["baton"] as? String)
            let counted = try await Self.chain(baton: baton, idp: idp, "How many incidents are open for me by priority?")
            #expect(counted.output.contains("2 - High"), "\(counted.output)")
            let attached = try await Self.chain(baton: baton, idp: idp, "Attach a note to INC0012389: Outlook logs show 0x8004010F")
            #expect(attached.output.contains("Attached note.txt"), "\(attached.output)")
            let jane = BatonProcess(["dev", "token", "--user", "jane@contoso.com", "--idp", idp], directory: RepositoryPaths.root)
            #expect(try await jane.run() == 0)
            let bearer = "Bearer \(jane.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))"
            for (chain, resource, operation) in [
                (counted.chain, "servicenow:incident", "GET /api/now/stats/{table}"),
                (attached.chain, "servicenow:sys_attachment/incident/INC0012389", "POST /api/now/attachment/file"),
            ] {
                var audit = URLRequest(url: URL(string: "\(baton)/v1/audit?chain=\(chain)")!, timeoutInterval: 30)
                audit.setValue(bearer, forHTTPHeaderField: "Authorization")
                let page = try await httpRequest(audit)
                let entries = (try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
                #expect(
                    entries.contains {
                        $0["kind"] as? String == "downstream" && $0["resource"] as? String == resource && $0["operation"] as? String == operation
                            && [200, 201].contains($0["status"] as? Int ?? 0)
                    }, "\(resource) in \(page.body)")
            }
        }
    }

    /// A token for ServiceNow's audience naming `user`: they sign in for itsm, and itsm
    /// exchanges that token On-Behalf-Of them, as the connector does.
    static func serviceNowToken(for user: String, idp: String, tenantID: String) async throws -> String {
        let signIn = BatonProcess(
            ["dev", "token", "--user", user, "--idp", idp, "--client", "mcp-client", "--scope", "api://itsm/access_as_user"],
            directory: RepositoryPaths.root)
        #expect(try await signIn.run() == 0, "\(signIn.standardError)")
        let itsm = try #require(try IdentityProviderFixture.shippedTenant().application("itsm"))
        let exchanged = try await httpPostForm(
            "\(idp)/\(tenantID)/oauth2/v2.0/token",
            [
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "client_id": itsm.appID, "client_secret": "itsm-dev-secret",
                "assertion": signIn.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines),
                "scope": "api://servicenow/user_impersonation", "requested_token_use": "on_behalf_of",
            ])
        try #require(exchanged.status == 200, "\(exchanged.body)")
        return try #require((try JSONSerialization.jsonObject(with: Data(exchanged.body.utf8)) as? [String: Any])?["access_token"] as? String)
    }

    /// Jane's request through the stack's front door: its output and chain id.
    static func chain(baton: String, idp: String, _ request: String) async throws -> (output: String, chain: String) {
        let invoke = BatonProcess(["invoke", "--url", baton, "--idp", idp, "--user", "jane@contoso.com", request], directory: RepositoryPaths.root)
        #expect(try await invoke.run() == 0, "\(invoke.standardError)")
        let match = try #require(invoke.standardOutput.firstMatch(of: /chain ([0-9a-f-]{36})/), "\(invoke.standardOutput)")
        return (invoke.standardOutput, String(match.output.1))
    }
}
