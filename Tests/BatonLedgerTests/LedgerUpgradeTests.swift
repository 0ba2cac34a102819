import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonLedger

@Suite("The audit ledger: upgrading the first schema")
struct LedgerUpgradeTests {
    @Test("entries of the first schema become records on open: the same hashes, the signed checkpoint still valid, every entry intact")
    func firstSchema() async throws {
        let root = try TemporaryDirectory()
        let directory = try DataDirectory.prepare(root.file("data"))
        let logger = Logger(label: "test")
        let firstSchema = EmbeddedMigrations.migrations(engine: "sqlite", store: "ledger").filter { $0.version <= 2 }
        let old = try SQLiteStore.open(.ledger, in: directory, busyTimeout: .seconds(5), migrations: firstSchema, logger: logger)
        let signer = try CheckpointSigner.load(from: directory)

        // Written as the first writer wrote: one column per field, hashed over the canonical encoding.
        var written: [LedgerEntry] = []
        var previous = LedgerWriter.genesis
        for index in 1...6 {
            var entry = LedgerFixture.entry(index)
            entry.sequence = Int64(index)
            if index == 3 { entry.user = nil }
            if index == 4 { (entry.actorPath, entry.traceID, entry.decision) = ([], "trace-4", .denied) }
            previous = entry.versionOneRecord().withUnsafeBytes { LedgerEntry.hash(previous: previous, record: $0) }
            written.append(entry)
            let (hash, stored) = (previous, entry)
            try await old.write { db in
                try db.execute(
                    sql:
                        "INSERT INTO ledger_entries (\(LegacyRowEncoder.columns), hash) VALUES (\(Array(repeating: "?", count: 22).joined(separator: ",")))",
                    arguments: [
                        stored.sequence, stored.timestamp, stored.chainID, stored.hop, stored.parentHop, stored.kind.rawValue, stored.user?.tenantID,
                        stored.user?.objectID, stored.user?.username, stored.agent, stored.actorPath.joined(separator: ">"), stored.target,
                        stored.resource,
                        stored.operation, stored.status, stored.decision?.rawValue, stored.reason, stored.tokenFingerprint, stored.tokenSource,
                        stored.latencyMicroseconds, stored.traceID, Data(hash),
                    ])
            }
        }
        let signature = try signer.sign(sequence: 6, hash: previous, timestamp: 1_700_000_000_000_000)
        let head = previous
        try await old.write { db in
            try db.execute(
                sql: "INSERT INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature) VALUES (6, 1700000000000000, ?, ?, ?)",
                arguments: [Data(head), signer.keyID, signature])
        }
        try old.close()
        #expect(throws: LedgerError.notUpgraded(path: directory.path), "a reader refuses the first schema until the daemon upgrades it") {
            _ = try LedgerStore.openReader(in: directory, busyTimeout: .seconds(5))
        }

        let upgraded = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: logger)
        let report = try await LedgerVerifier(records: SQLiteLedgerRecords(database: upgraded), publicKey: signer.publicKey).verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 6 && report.checkpoints == 1)
        #expect(
            try await LedgerQuery(limit: 100).run(on: LedgerReader(records: SQLiteLedgerRecords(database: upgraded), index: nil)).entries == written)
        #expect(try await upgraded.read { db in try db.tableExists("ledger_entries_v1") } == false)
        #expect(try LedgerStore.openReader(in: directory, busyTimeout: .seconds(5)) != nil)
        // The chain goes on from the upgraded head.
        let writer = try await LedgerWriter.open(store: SQLiteLedgerRecords(database: upgraded), signer: signer)
        #expect(await writer.head.hash == previous)
        #expect(try await writer.append(LedgerFixture.entry(7)) == 7)
        #expect(try await LedgerVerifier(records: SQLiteLedgerRecords(database: upgraded), publicKey: signer.publicKey).verify().isIntact)
    }
}
