import BatonCore
import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// The hostile-load trial's ledger finding: with every signed checkpoint deleted from the
/// ledger database, a cut tail and an edited-and-rehashed history both verified as intact,
/// because nothing outside the database was consulted. With `storage.checkpoint_log` the
/// writer appends each checkpoint to a file outside the data directory, and `baton audit
/// verify` (by default, or `--against FILE`) fails when the ledger is shorter than, or
/// disagrees with, a checkpoint held there.
@Suite("Checkpoints held outside the ledger: rollback and rewrite detection", .serialized)
struct OutsideCheckpointTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    var log: String { directory.file("outside/checkpoints.jsonl") }

    @Test(
        "a cut tail with the ledger's own checkpoints deleted fails on the Merkle tree; with the tree's tiles cut too it verifies as intact alone, and fails against the outside log (configured or --against)"
    )
    func rollback() async throws {
        let database = try await writeLedger(entries: 10, checkpointsAt: [5, 10])
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2, "each checkpoint appended to the outside log: \(lines)")
        #expect(try FileManager.default.attributesOfItem(atPath: log)[.posixPermissions] as? Int == 0o600)
        #expect(try await run(["audit", "verify"], checkpointLog: log).standardOutput.contains("intact"))

        try await database.write { db in
            try db.execute(sql: "DELETE FROM ledger_entries WHERE seq > 7; DELETE FROM ledger_checkpoints")
        }
        let treeRemembers = try await run(["audit", "verify"])
        #expect(treeRemembers.exitStatus == 1, "the Merkle tree still covers the cut entries: \(treeRemembers.standardOutput)")
        #expect(treeRemembers.standardOutput.contains("FAIL at entry 8: the Merkle tree disagrees"), "\(treeRemembers.standardOutput)")

        // Whoever cuts the tree's tiles too leaves a ledger consistent with itself.
        try await database.write { db in try db.execute(sql: "DELETE FROM ledger_tiles") }
        let alone = try await run(["audit", "verify"])
        #expect(alone.exitStatus == 0, "without an outside copy the cut is invisible: \(alone.standardOutput)")
        #expect(alone.standardOutput.contains("no checkpoint held outside the ledger"))

        for verify in [try await run(["audit", "verify"], checkpointLog: log), try await run(["audit", "verify", "--against", log])] {
            #expect(verify.exitStatus == 1, "\(verify.standardOutput)")
            #expect(verify.standardOutput.contains("FAIL at entry 8"), "\(verify.standardOutput)")
            #expect(verify.standardOutput.contains("rolled back or cut"))
        }
    }

    @Test("a history rewritten and rehashed from the first entry, its checkpoints deleted, fails against an exported checkpoint list")
    func rewrite() async throws {
        let database = try await writeLedger(entries: 6, checkpointsAt: [6])
        let export = directory.file("export.json")
        #expect(try await run(["audit", "checkpoints", "--export", export]).exitStatus == 0)

        // Whoever holds the database writes another history of the same length, hashes and all.
        try await database.write { db in
            try db.execute(sql: "DELETE FROM ledger_entries; DELETE FROM ledger_checkpoints; DELETE FROM ledger_tiles")
        }
        let writer = try await LedgerWriter.open(store: SQLiteLedgerRecords(database: database), signer: try signer())
        for index in 0..<6 { _ = try await writer.append(Self.entry(index, user: "mallory@contoso.com")) }
        #expect(try await run(["audit", "verify"]).exitStatus == 0, "the rewritten ledger is consistent with itself")

        let verify = try await run(["audit", "verify", "--against", export])
        #expect(verify.exitStatus == 1)
        #expect(
            verify.standardOutput.contains("FAIL at entry 6") && verify.standardOutput.contains("history was rewritten"), "\(verify.standardOutput)")
    }

    @Test("a checkpoint log inside the data directory is refused at load, naming the field; a file that is not checkpoints is named in the error")
    func badSettings() async throws {
        let inside = try await run(["config", "check"], checkpointLog: directory.file("data/checkpoints.jsonl"))
        #expect(inside.exitStatus != 0)
        #expect((inside.standardError + inside.standardOutput).contains("checkpoint_log"), "\(inside.standardError)")

        _ = try await writeLedger(entries: 2, checkpointsAt: [2])
        let garbage = try directory.write("garbage.jsonl", "{\"sequence\": 1}\nnot json\n")
        let verify = try await run(["audit", "verify", "--against", garbage])
        #expect(verify.exitStatus == 1)
        #expect(verify.standardError.contains("garbage.jsonl:1"), "\(verify.standardError)")
    }

    // MARK: - Fixture

    /// A ledger of `entries` entries with checkpoints signed after the given sequence
    /// numbers, each also appended to the outside log.
    private func writeLedger(entries: Int, checkpointsAt: Set<Int>) async throws -> DatabasePool {
        try FileManager.default.createDirectory(atPath: directory.file("outside"), withIntermediateDirectories: true)
        let data = try DataDirectory.prepare(directory.file("data"))
        let database = try LedgerStore.openEntries(in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        let writer = try await LedgerWriter.open(
            store: SQLiteLedgerRecords(database: database), signer: try CheckpointSigner.load(from: data), checkpointLog: CheckpointLog(path: log))
        for index in 0..<entries {
            _ = try await writer.append(Self.entry(index, user: "jane@contoso.com"))
            if checkpointsAt.contains(index + 1) { try await writer.checkpoint() }
        }
        return database
    }

    private func signer() throws -> CheckpointSigner {
        try CheckpointSigner.load(from: try DataDirectory.prepare(directory.file("data")))
    }

    static func entry(_ index: Int, user: String) -> LedgerEntry {
        LedgerEntry(
            chainID: "0193a4b2-5f00-7000-8000-\(String(format: "%012d", index))", hop: 0, parentHop: nil, kind: .inbound,
            user: ChainUser(tenantID: "t", objectID: "o-\(user)", username: user), agent: "concierge", actorPath: ["concierge"],
            decision: .allowed, tokenSource: "idp")
    }

    private func run(_ arguments: [String], checkpointLog: String? = nil) async throws -> BatonProcess {
        var environment = ["BATON_STORAGE_DATA_DIR": directory.file("data")]
        if let checkpointLog { environment["BATON_STORAGE_CHECKPOINT_LOG"] = checkpointLog }
        let process = BatonProcess(arguments, environment: environment, directory: directory.path)
        _ = try await process.run()
        return process
    }
}
