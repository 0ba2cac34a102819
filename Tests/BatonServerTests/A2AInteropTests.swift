import BatonTestSupport
import Foundation
import Testing

@testable import BatonServer

/// The Python interpreter of the a2a-sdk virtualenv `scripts/interop-clients` builds.
enum InteropPython {
    static func a2a() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["BATON_A2A_PYTHON"] { return configured }
        let path = RepositoryPaths.path(".venv/a2a/bin/python")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropMissing(message: "no a2a-sdk client at \(path): run scripts/interop-clients first (.ci/run does)")
        }
        return path
    }

    struct InteropMissing: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Runs `script` with `environment`; its exit status and everything it printed.
    static func run(_ python: String, script: String, environment: [String: String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = await Task.detached { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}

@Suite("A2A 1.0: the a2a-sdk Python client against Baton's agents")
struct A2AInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/a2a_client.py").path

    @Test(
        "the a2a-sdk client resolves the front door's card, signs Jane in for its scheme, gets her five incidents (sent and streamed), reads the task; Harriet cannot; no token and a wrong audience are 401; MFA ends in AUTH_REQUIRED"
    )
    func pythonClient() async throws {
        let python = try InteropPython.a2a()
        try await AgentRoutesTests.withDaemon { sn, base in
            let forTriage = try await sn.idp.onBehalfOf("concierge", assertion: try await sn.idp.signIn(), scope: "api://triage/access_as_user")
            let wrongAudience = try #require(forTriage.json["access_token"] as? String)
            let (status, output) = try await InteropPython.run(
                python, script: Self.script,
                environment: [
                    "BASE": base, "CLIENT_ID": sn.idp.app("baton-cli").appID, "JANE_PASSWORD": "jane-dev-password",
                    "HARRIET_PASSWORD": "harriet-dev-password", "MALLORY_PASSWORD": "mallory-dev-password", "WRONG_AUDIENCE_TOKEN": wrongAudience,
                ])
            #expect(status == 0, "\(output)")
            for check in [
                "card ok", "send ok TASK_STATE_COMPLETED 5 incidents", "stream ok task", "get ok", "isolation ok", "no token ok",
                "wrong audience ok", "auth required ok",
            ] {
                #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
            }
            #expect(!output.contains("eyJ"), "no token is printed")
        }
    }
}
