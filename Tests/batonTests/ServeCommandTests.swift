import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Testing

@Suite("baton serve, as a process", .serialized)
struct ServeCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Starts `baton serve` in the temporary directory on a free port and returns it with its base URL.
    private func startServe(_ extra: [String] = [], environment: [String: String] = [:]) async throws -> (BatonProcess, String) {
        let baton = BatonProcess(
            ["serve", "--log-format", "json"] + extra, environment: ["BATON_SERVER_LISTEN": "127.0.0.1:0"].merging(environment) { $1 },
            directory: directory.path)
        try baton.start()
        let line = try await baton.waitForLine(containing: "\"msg\":\"listening\"")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return (baton, try #require(object["url"] as? String))
    }

    @Test("with no configuration it serves /healthz, /readyz and /metrics, and SIGTERM exits 0 promptly")
    func servesOnDefaultsAndStopsOnSIGTERM() async throws {
        let (baton, url) = try await startServe()
        #expect(try await httpGet(url + "/healthz").status == 200)
        let ready = try await httpGet(url + "/readyz", until: 200)
        #expect(ready.status == 200)
        #expect(ready.body == #"{"status":"ready"}"#)
        let metrics = try await httpGet(url + "/metrics")
        #expect(metrics.body.contains("baton_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"))

        let (status, elapsed) = try await baton.stop(signal: SIGTERM)
        #expect(status == 0)
        #expect(elapsed < .seconds(5), "SIGTERM took \(elapsed)")
        #expect(baton.standardError.contains("\"msg\":\"stores closed\""))
        #expect(try permissions(of: directory.file(".baton")) == 0o700)
        #expect(try permissions(of: directory.file(".baton/vault.sqlite")) == 0o600)
        #expect(try permissions(of: directory.file(".baton/ledger.sqlite")) == 0o600)
    }

    @Test("SIGINT stops it gracefully too")
    func stopsOnSIGINT() async throws {
        let (baton, url) = try await startServe()
        _ = try await httpGet(url + "/readyz", until: 200)
        let (status, _) = try await baton.stop(signal: SIGINT)
        #expect(status == 0)
    }

    @Test("a restart applies no migration twice")
    func restartAppliesNothing() async throws {
        let (first, _) = try await startServe()
        _ = try await first.stop()
        #expect(
            first.standardError.components(separatedBy: "\"msg\":\"applied migration\"").count - 1
                == EmbeddedMigrations.all.filter { $0.engine == "sqlite" }.count)
        let (second, url) = try await startServe()
        _ = try await httpGet(url + "/readyz", until: 200)
        _ = try await second.stop()
        #expect(!second.standardError.contains("applied migration"))
    }

    @Test("a changed applied migration stops startup with a message naming it")
    func changedMigrationStopsStartup() async throws {
        let (first, _) = try await startServe()
        _ = try await first.stop()
        let queue = try DatabaseQueue(path: directory.file(".baton/ledger.sqlite"))
        try await queue.write { db in try db.execute(sql: "UPDATE schema_migrations SET checksum = 'abc123' WHERE version = 1") }
        try queue.close()

        let baton = BatonProcess(["serve"], environment: ["BATON_SERVER_LISTEN": "127.0.0.1:0"], directory: directory.path)
        let status = try await baton.run()
        #expect(status != 0)
        #expect(baton.standardError.contains("ledger store: migration 0001_store_identity.sql was applied with checksum abc123"))
    }

    @Test("a bad configuration stops startup with exit status 78 naming the file and key")
    func badConfiguration() async throws {
        let path = try directory.write("baton.yaml", "server:\n  port: 8080\n")
        let baton = BatonProcess(["serve", "--config", path], directory: directory.path)
        #expect(try await baton.run() == 78)
        #expect(
            baton.standardError.contains(
                "error: \(path):2: server.port: unknown key (known keys here: listen, shutdown_timeout, memory_trim_interval, public_url, connections)"
            ))
    }

    @Test("an agent definition naming an unknown delegate stops startup with status 78, naming the file and field")
    func badAgentDefinition() async throws {
        let agents = directory.file("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        let file = try directory.write(
            "agents/a.yaml", "id: a\nidentity:\n  client_id: x\n  secret: s\ndelegates:\n  - agent: ghost\nbrain:\n  rules:\n    - answer: hi\n")
        let baton = BatonProcess(
            ["serve"], environment: ["BATON_AGENTS_DIR": agents, "BATON_STORAGE_DATA_DIR": directory.file("data")], directory: directory.path)
        #expect(try await baton.run() == 78)
        #expect(baton.standardError.contains(file) && baton.standardError.contains("delegates: 'ghost' is not a defined agent"))
    }
}
