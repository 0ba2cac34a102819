import BatonTestSupport
import Foundation
import Testing

/// SIGHUP and `baton reload` against `baton serve`, as an operator (or systemd's `ExecReload`) sends them.
@Suite("baton reload and SIGHUP")
struct ReloadCommandTests {
    @Test("SIGHUP with a broken agent file: refused in the log by file and field; baton reload with it fixed: reloaded; no daemon: a clear error")
    func reloadByProcess() async throws {
        let directory = try TemporaryDirectory()
        let agents = directory.file("agents")
        try FileManager.default.copyItem(atPath: RepositoryPaths.path("agents"), toPath: agents)
        let config = try directory.write(
            "baton.yaml",
            """
            server:
              listen: 127.0.0.1:0
            storage:
              data_dir: \(directory.file("data"))
            agents:
              dir: \(agents)
            connectors:
              dir: \(RepositoryPaths.path("connectors"))
            log:
              format: json
            """)
        let serve = BatonProcess(["serve", "--config", config], directory: directory.path)
        try serve.start()
        _ = try await serve.waitForLine(containing: "\"msg\":\"listening\"")
        #expect(FileManager.default.fileExists(atPath: directory.file("data/baton.pid")), "the daemon writes its pid for baton reload")

        let triage = "\(agents)/triage.yaml"
        let original = try String(contentsOfFile: triage, encoding: .utf8)
        try original.replacingOccurrences(of: "timeout: 30s", with: "timeout: soon").write(toFile: triage, atomically: true, encoding: .utf8)
        serve.signal(SIGHUP)
        let refused = try await serve.waitForLine(containing: "reload refused")
        #expect(refused.contains(triage) && refused.contains("limits.timeout"), "\(refused)")

        try original.replacingOccurrences(of: "Sorts IT requests", with: "Sorts IT requests (reloaded)").write(
            toFile: triage, atomically: true, encoding: .utf8)
        let reload = BatonProcess(["reload", "--config", config], directory: directory.path)
        #expect(try await reload.run() == 0, "\(reload.standardError)")
        #expect(reload.standardOutput.contains("asked baton serve (pid \(serve.pid ?? 0)) to reload"))
        let applied = try await serve.waitForLine(containing: "reloaded the agents and connectors")
        #expect(applied.contains("changed: triage"), "\(applied)")
        #expect(serve.isRunning, "a reload never stops the daemon")

        #expect(try await serve.stop().status == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.file("data/baton.pid")), "removed when the daemon stops")
        let none = BatonProcess(["reload", "--config", config], directory: directory.path)
        #expect(try await none.run() == 1)
        #expect(none.standardError.contains("no running daemon"), "\(none.standardError)")
    }
}
