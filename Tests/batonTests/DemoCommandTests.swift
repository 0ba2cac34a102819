import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@Suite("baton demo and baton dev up")
struct DemoCommandTests {
    @Test("baton demo tells the whole story and exits 0; --data-dir keeps the stores for baton audit")
    func demo() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("demo")
        let process = BatonProcess(["demo", "--data-dir", data], directory: RepositoryPaths.root)
        // The demo starts the seed's Strands agent: one such Python at a time.
        let status = try await InteropSlot.exclusive { try await process.run() }
        let output = process.standardOutput
        #expect(status == 0, "\(output)\n\(process.standardError)")
        for number in ServiceNowSeed.janesOpenIncidents { #expect(output.contains(number), "Jane's incident \(number)") }
        #expect(
            output.contains("11 incidents exist; Jane may read 8. 3 are hidden from her: INC0012350 (hr), INC0012360 (hr), INC0012399 (security)."))
        #expect(output.contains("INC0012350  Employee complaint"), "Harriet sees the HR incident")
        #expect(output.contains("sys_updated_by = jane.smith"))
        #expect(output.contains("└─ [8] downstream itsm → servicenow"))
        #expect(output.contains("every one names jane@contoso.com: yes"))
        #expect(output.contains("— intact"))
        // The seed's own Strands agent (CI builds .venv/agentcore), its chain down to ServiceNow.
        #expect(output.contains("7. The seed's own Strands agent"), "\(output)")
        #expect(output.contains("workload_token servicenow-agent → servicenow-agent-workload"))
        #expect(output.contains("exchange servicenow-agent → EntraIdServiceNow"))
        #expect(output.contains("downstream servicenow-agent → servicenow"))
        #expect(!output.contains("eyJ"), "no token is printed")

        let audit = BatonProcess(
            ["audit", "list", "--kind", "downstream"], environment: ["BATON_STORAGE_DATA_DIR": data], directory: RepositoryPaths.root)
        #expect(try await audit.run() == 0, "\(audit.standardError)")
        #expect(audit.standardOutput.contains("servicenow:incident/INC0012389"))
    }

    @Test("baton dev up writes endpoints.json; baton dev token signs in at that stack; the daemon answers as Jane")
    func devUp() async throws {
        let directory = try TemporaryDirectory()
        let data = directory.file("stack")
        let (stack, endpoints) = try await DevUpStack.launch(dataDirectory: data)
        let baton = try #require(endpoints?["baton"] as? String)
        #expect(endpoints?["tenant"] as? String == "adee7793-9972-5755-8b10-f72a6db321e6")
        #expect((endpoints?["servicenow"] as? String)?.hasPrefix("http://127.0.0.1:") == true)
        #expect((endpoints?["servicenow_oidc"] as? [String: Any])?["client_id"] != nil, "the emulator's OIDC settings, for the doctor")
        #expect((endpoints?["model"] as? String)?.hasPrefix("http://127.0.0.1:") == true, "baton dev model runs in the stack")
        #expect((endpoints?["agentcore"] as? String)?.hasSuffix("/agentcore") == true)
        // Private, like every file Baton writes.
        for file in ["\(data)/endpoints.json", "\(data)/dev-servicenow/servicenow.sqlite"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is \(String(mode ?? 0, radix: 8))")
        }

        let token = BatonProcess(["dev", "token", "--user", "jane@contoso.com", "--data-dir", data], directory: RepositoryPaths.root)
        #expect(try await token.run() == 0, "\(token.standardError)")
        let invoke = BatonProcess(
            [
                "invoke", "--url", baton, "--token", token.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines),
                "Show me 5 incidents assigned to me",
            ],
            directory: RepositoryPaths.root)
        #expect(try await invoke.run() == 0, "\(invoke.standardError)")
        #expect(invoke.standardOutput.contains("5 incidents visible to you."))
        #expect(invoke.standardOutput.contains("concierge → triage → itsm"))

        // No URL flags: the CLI finds the running stack through endpoints.json.
        let found = BatonProcess(
            ["invoke", "--user", "jane@contoso.com", "--data-dir", data, "Show me 5 incidents assigned to me"], directory: RepositoryPaths.root)
        #expect(try await found.run() == 0, "\(found.standardError)")
        #expect(found.standardOutput.contains("5 incidents visible to you."))
        let doctor = BatonProcess(["doctor", "servicenow", "--user", "jane@contoso.com", "--data-dir", data], directory: RepositoryPaths.root)
        #expect(try await doctor.run() == 0, "\(doctor.standardOutput)\(doctor.standardError)")
        #expect(doctor.standardOutput.contains("ok    audience:"), "the emulator's settings came from endpoints.json: \(doctor.standardOutput)")
        let (status, _) = try await stack.stop(signal: SIGINT)
        #expect(status == 0)
        #expect(!FileManager.default.fileExists(atPath: "\(data)/endpoints.json"), "removed on shutdown")
    }
}
