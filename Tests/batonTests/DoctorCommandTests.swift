import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

@Suite("baton doctor servicenow and baton agents list")
struct DoctorCommandTests {
    /// Runs the doctor; with `connectors`, against those connector definitions.
    func doctor(_ sn: ServiceNowFixture, connectors: String? = nil) async throws -> (Int32, String) {
        var environment = ["BATON_SERVICENOW_URL": sn.url]
        if let connectors { environment["BATON_CONNECTORS_DIR"] = connectors }
        let process = BatonProcess(
            ["doctor", "servicenow", "--user", "jane@contoso.com", "--idp", sn.idp.base], environment: environment,
            directory: RepositoryPaths.root)
        let status = try await process.run()
        return (status, process.standardOutput + process.standardError)
    }

    @Test("the doctor walks the delegation path, passes a healthy instance and names a wrong client id with its fix, never printing the token")
    func doctorCommand() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let (status, output) = try await doctor(sn)
            #expect(status == 0, "\(output)")
            #expect(output.contains("token path: user → concierge → triage → itsm → servicenow"))
            #expect(output.contains("ServiceNow accepts the token."))
            #expect(!output.contains("eyJ"), "no token in the output")

            // The instance's OIDC provider names the wrong Client ID, and the connector's oidc: section says what it names.
            var settings = await sn.emulator.oidcSettings()
            settings.clientID = "api://servicenow"
            await sn.emulator.configure(settings)
            let directory = try TemporaryDirectory()
            let connectors = directory.file("connectors")
            try FileManager.default.copyItem(atPath: RepositoryPaths.path("connectors"), toPath: connectors)
            try FileManager.default.removeItem(atPath: "\(connectors)/servicenow.yaml")
            let shipped = try String(contentsOfFile: RepositoryPaths.path("connectors/servicenow.yaml"), encoding: .utf8)
            try (shipped + "oidc:\n  metadata_url: \(settings.metadataURL)\n  client_id: \(settings.clientID)\n").write(
                toFile: "\(connectors)/servicenow.yaml", atomically: true, encoding: .utf8)
            let (failed, explanation) = try await doctor(sn, connectors: connectors)
            #expect(failed == 1)
            #expect(
                explanation.contains(
                    "FAIL  audience: The token's aud is \(sn.idp.app("servicenow").appID) but the OIDC entity's Client ID is api://servicenow"))
            #expect(!explanation.contains("eyJ"))
        }
    }

    @Test("baton agents list shows the shipped mesh; a broken definition exits 78 naming the file and field")
    func agentsList() async throws {
        let list = BatonProcess(["agents", "list"], directory: RepositoryPaths.root)
        #expect(try await list.run() == 0)
        #expect(list.standardOutput.contains("concierge (front door)"))
        #expect(list.standardOutput.contains("servicenow.query_incidents"))

        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("agents"), withIntermediateDirectories: true)
        try "id: a\nidentity:\n  client_id: x\n  secret: s\ndelegates:\n  - agent: ghost\nbrain:\n  rules:\n    - answer: hi\n".write(
            toFile: directory.file("agents/a.yaml"), atomically: true, encoding: .utf8)
        let broken = BatonProcess(["agents", "list"], environment: ["BATON_AGENTS_DIR": directory.file("agents")], directory: RepositoryPaths.root)
        #expect(try await broken.run() == 78)
        #expect(broken.standardError.contains(directory.file("agents/a.yaml")) && broken.standardError.contains("delegates"))
    }
}
