import BatonStorage
import BatonTestSupport
import Foundation
import Testing

@Suite("baton config check and baton migrate")
struct ConfigAndMigrateCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test("config check prints the effective configuration after overrides")
    func checkPrintsEffectiveConfiguration() async throws {
        let path = try directory.write("baton.yaml", "storage:\n  data_dir: ${ROOT}/data\n")
        let baton = BatonProcess(["config", "check", "--config", path], environment: ["ROOT": "/srv", "BATON_LOG_FORMAT": "json"])
        #expect(try await baton.run() == 0)
        #expect(baton.standardOutput.contains("# effective configuration from \(path)"))
        #expect(baton.standardOutput.contains("data_dir: /srv/data"))
        #expect(baton.standardOutput.contains("format: json"))
        #expect(baton.standardOutput.contains("listen: 127.0.0.1:8080"))
    }

    @Test("config check takes the file from BATON_CONFIG when --config is absent")
    func checkReadsBatonConfig() async throws {
        let path = try directory.write("other.yaml", "agents:\n  dir: /opt/agents\n")
        let baton = BatonProcess(["config", "check"], environment: ["BATON_CONFIG": path])
        #expect(try await baton.run() == 0)
        #expect(baton.standardOutput.contains("dir: /opt/agents"))
    }

    @Test("config check refuses an unset variable with status 78, naming file, key and variable")
    func checkRefusesUnsetVariable() async throws {
        let path = try directory.write("baton.yaml", "storage:\n  data_dir: ${NOT_SET_ANYWHERE}\n")
        let baton = BatonProcess(["config", "check", "--config", path])
        #expect(try await baton.run() == 78)
        #expect(
            baton.standardError
                == "error: \(path):2: storage.data_dir: environment variable NOT_SET_ANYWHERE is not set (referenced as ${NOT_SET_ANYWHERE})\n")
    }

    @Test("migrate status shows pending before and applied after migrate apply")
    func migrateStatus() async throws {
        let environment = ["BATON_STORAGE_DATA_DIR": directory.file("data")]
        let before = BatonProcess(["migrate", "status"], environment: environment)
        #expect(try await before.run() == 0)
        /// Whether a row of the status table starts with these cells.
        func row(_ output: String, _ cells: [String]) -> Bool {
            output.split(separator: "\n").contains { line in line.split(separator: " ").prefix(cells.count).map(String.init) == cells }
        }
        #expect(row(before.standardOutput, ["vault", "0001", "store_identity", "pending"]))
        #expect(row(before.standardOutput, ["ledger_index", "0002", "entry_keys", "pending"]))
        #expect(!FileManager.default.fileExists(atPath: directory.file("data")), "status must not create anything")

        let apply = BatonProcess(["migrate", "apply"], environment: environment)
        #expect(try await apply.run() == 0)
        let vaultMigrations = EmbeddedMigrations.migrations(engine: "sqlite", store: "vault").count
        #expect(apply.standardOutput.contains("vault: \(vaultMigrations) applied, \(vaultMigrations) in total"))

        let after = BatonProcess(["migrate", "status"], environment: environment)
        #expect(try await after.run() == 0)
        #expect(row(after.standardOutput, ["ledger", "0003", "entry_records", "applied"]))
        #expect(row(after.standardOutput, ["ledger_index", "0001", "store_identity", "applied"]))
    }

    @Test(
        "on PostgreSQL: migrate status shows pending and creates nothing; apply applies each store's migrations once; status then shows them applied")
    func migrateStatusOnPostgres() async throws {
        let schema = try PostgresTestDatabase.endpoint().schema
        let environment = [
            "BATON_STORAGE_ENGINE": "postgres", "BATON_STORAGE_POSTGRES_URL": try PostgresTestDatabase.clusterURL(),
            "BATON_STORAGE_POSTGRES_SCHEMA": schema, "BATON_VAULT_KEY": Data(repeating: 7, count: 32).base64EncodedString(),
        ]
        func row(_ output: String, _ cells: [String]) -> Bool {
            output.split(separator: "\n").contains { line in line.split(separator: " ").prefix(cells.count).map(String.init) == cells }
        }
        let before = BatonProcess(["migrate", "status"], environment: environment)
        #expect(try await before.run() == 0, "\(before.standardError)")
        for store in ["vault", "ledger", "ledger_index", "tasks"] {
            let name = try #require(EmbeddedMigrations.migrations(engine: "postgres", store: store).first?.name)
            #expect(row(before.standardOutput, [store, "0001", name, "pending"]), "\(before.standardOutput)")
        }
        let again = BatonProcess(["migrate", "status"], environment: environment)
        #expect(try await again.run() == 0)
        #expect(again.standardOutput.contains("pending") && !again.standardOutput.contains("applied"), "status created nothing")

        for expected in ["1 applied, 1 in total", "0 applied, 1 in total"] {
            let apply = BatonProcess(["migrate", "apply"], environment: environment)
            #expect(try await apply.run() == 0, "\(apply.standardError)")
            #expect(apply.standardOutput.contains("vault: \(expected)"), "\(apply.standardOutput)")
            #expect(apply.standardOutput.contains("is up to date"))
        }
        let after = BatonProcess(["migrate", "status"], environment: environment)
        #expect(try await after.run() == 0)
        #expect(row(after.standardOutput, ["ledger", "0001", "ledger", "applied"]), "\(after.standardOutput)")
        #expect(!after.standardOutput.contains("pending"))
    }
}
