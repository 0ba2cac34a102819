import BatonCore
import BatonStorage
import BatonTestSupport
import Crypto
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonLedger

/// A migrated ledger (entries and index) in a fresh data directory.
struct LedgerFixture {
    let root: TemporaryDirectory
    let directory: DataDirectory
    let database: DatabasePool
    let index: DatabasePool
    let signer: CheckpointSigner

    init() throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        database = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        index = try LedgerStore.openIndex(in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        signer = try CheckpointSigner.load(from: directory)
    }

    var reader: LedgerReader { LedgerReader(records: SQLiteLedgerRecords(database: database), index: SQLiteLedgerIndex(database: index)) }

    func writer(checkpointEvery: Int64 = 10) async throws -> LedgerWriter {
        try await LedgerWriter.open(store: SQLiteLedgerRecords(database: database), signer: signer, checkpointEvery: checkpointEvery)
    }

    func indexer() async throws -> LedgerIndexer {
        try await LedgerIndexer.open(records: SQLiteLedgerRecords(database: database), index: SQLiteLedgerIndex(database: index))
    }

    /// Rewrites the stored record of entry `sequence`.
    func editRecord(_ sequence: Int64, _ edit: @Sendable (inout [UInt8]) -> Void) async throws {
        try await database.write { db in
            var record = Array(try #require(try Data.fetchOne(db, sql: "SELECT record FROM ledger_entries WHERE seq = ?", arguments: [sequence])))
            edit(&record)
            try db.execute(sql: "UPDATE ledger_entries SET record = ? WHERE seq = ?", arguments: [Data(record), sequence])
        }
    }

    /// Verifies in ranges of `rangeSize` entries, so small ledgers exercise the parallel split too.
    func verify(rangeSize: Int64 = 7) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(records: SQLiteLedgerRecords(database: database), publicKey: signer.publicKey, rangeSize: rangeSize).verify()
    }

    static func entry(_ index: Int, user: String = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", agent: String = "itsm") -> LedgerEntry {
        LedgerEntry(
            chainID: "0193a4b2-0000-7000-8000-\(String(format: "%012d", index / 4))", hop: index % 4, parentHop: index % 4 == 0 ? nil : index % 4 - 1,
            kind: .downstream, user: ChainUser(tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: user, username: "jane@contoso.com"),
            agent: agent, actorPath: ["concierge", "triage", agent], target: "servicenow", resource: "servicenow:incident/INC00\(index)",
            operation: "GET /api/now/table/incident", status: 200, decision: .allowed, tokenFingerprint: "f1ng3rpr1nt\(index)", tokenSource: "idp",
            latencyMicroseconds: 1234)
    }

    /// Appends `count` entries and returns the writer.
    func filled(_ count: Int, checkpointEvery: Int64 = 10) async throws -> LedgerWriter {
        let writer = try await writer(checkpointEvery: checkpointEvery)
        for index in 1...count { try await writer.append(Self.entry(index)) }
        try await writer.checkpoint()
        return writer
    }
}

@Suite("The audit ledger: appending and verifying")
struct LedgerWriterTests {
    @Test("appends get gapless sequence numbers and the chain verifies, across a reopen")
    func appendAndVerify() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.filled(25)
        #expect(await writer.head.sequence == 25)
        let report = try await fixture.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 25)
        #expect(report.checkpoints == 3)
        let reopened = try await fixture.writer()
        #expect(try await reopened.append(LedgerFixture.entry(26)) == 26)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("entries appended together land in order, in one transaction, and fail together")
    func appendTogether() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.writer(checkpointEvery: 1_000)
        try await writer.append(LedgerFixture.entry(1))
        let before = await writer.batchesCommitted
        let sequences = try await writer.append(contentsOf: [LedgerFixture.entry(2), LedgerFixture.entry(3), LedgerFixture.entry(4)])
        #expect(sequences == [2, 3, 4])
        #expect(await writer.batchesCommitted == before + 1, "one transaction, one fsync")
        try await fixture.database.write { db in try db.execute(sql: "PRAGMA query_only = ON") }
        await #expect(throws: LedgerError.self) { try await writer.append(contentsOf: [LedgerFixture.entry(5), LedgerFixture.entry(6)]) }
        try await fixture.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = OFF") }
        #expect(try await fixture.database.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") } == 4)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("1,000 concurrent appends share few transactions and all land, in one gapless chain")
    func concurrentAppends() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.writer(checkpointEvery: 100_000)
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 1...1000 { group.addTask { try await writer.append(LedgerFixture.entry(index)) } }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(sequences == Set(1...1000))
        #expect(try await fixture.verify().isIntact)
    }

    @Test(
        "each kind of tampering is detected at the right sequence number",
        arguments: [
            ("delete", "DELETE FROM ledger_entries WHERE seq = 12", LedgerProblem.missing(sequence: 12)),
            ("delete the last entry of a verification range", "DELETE FROM ledger_entries WHERE seq = 7", .missing(sequence: 7)),
            ("delete the first entry of a verification range", "DELETE FROM ledger_entries WHERE seq = 8", .missing(sequence: 8)),
            ("store the record as text", "UPDATE ledger_entries SET record = CAST(record AS TEXT) WHERE seq = 9", .altered(sequence: 9)),
            (
                "replace a record with another entry's",
                "UPDATE ledger_entries SET record = (SELECT record FROM ledger_entries WHERE seq = 2) WHERE seq = 11", .altered(sequence: 11)
            ),
            (
                "reorder",
                "UPDATE ledger_entries SET seq = -1 WHERE seq = 3; UPDATE ledger_entries SET seq = 3 WHERE seq = 4; UPDATE ledger_entries SET seq = 4 WHERE seq = -1",
                .altered(sequence: 3)
            ),
            ("truncate the tail", "DELETE FROM ledger_entries WHERE seq > 16", .truncated(checkpoint: 20, lastEntry: 16)),
            ("forge a checkpoint", "UPDATE ledger_checkpoints SET hash = zeroblob(32) WHERE seq = 10", .badCheckpointSignature(sequence: 10)),
        ])
    func tampering(name: String, sql: String, expected: LedgerProblem) async throws {
        let fixture = try LedgerFixture()
        _ = try await fixture.filled(20)
        try await fixture.database.write { db in try db.execute(sql: sql) }
        let report = try await fixture.verify()
        #expect(report.problems.first == expected, "\(name): \(report.problems)")
        #expect(!report.isIntact)
    }

    @Test("an edited record is detected at its sequence number, even with its hash recomputed")
    func editedRecord() async throws {
        let fixture = try LedgerFixture()
        _ = try await fixture.filled(20)
        // jane → mane in entry 7's username: the record no longer hashes to its stored hash.
        let jane = Array("jane@contoso.com".utf8)
        let edit: @Sendable (inout [UInt8]) -> Void = { record in
            let at = (0...(record.count - jane.count)).first { Array(record[$0..<$0 + jane.count]) == jane }!
            record[at] = UInt8(ascii: "m")
        }
        try await fixture.editRecord(7, edit)
        #expect(try await fixture.verify().problems.first == .altered(sequence: 7))

        // Recomputing entry 7's hash leaves the chain broken at entry 8, whose hash covers
        // 7's — and the Merkle tree's leaf for 7 still holds the original record's hash.
        try await fixture.database.write { db in
            let previous = Array(try #require(try Data.fetchOne(db, sql: "SELECT hash FROM ledger_entries WHERE seq = 6")))
            let record = Array(try #require(try Data.fetchOne(db, sql: "SELECT record FROM ledger_entries WHERE seq = 7")))
            let hash = record.withUnsafeBytes { LedgerEntry.hash(previous: previous, record: $0) }
            try db.execute(sql: "UPDATE ledger_entries SET hash = ? WHERE seq = 7", arguments: [Data(hash)])
        }
        #expect(try await fixture.verify().problems.first == .treeMismatch(sequence: 7))
        #expect(try await fixture.verify(rangeSize: 100).problems.first == .treeMismatch(sequence: 7))
    }

    @Test("a record carrying another sequence number is detected, though the chain of hashes holds")
    func renumberedRecord() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.filled(5)
        // An entry whose record says 99 but that sits (and is hashed) at 6.
        var forged = LedgerFixture.entry(6)
        forged.sequence = 99
        let record = forged.record()
        let head = await writer.head.hash
        let hash = record.withUnsafeBytes { LedgerEntry.hash(previous: head, record: $0) }
        try await fixture.database.write { db in
            try db.execute(sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (6, ?, ?)", arguments: [Data(record), Data(hash)])
        }
        #expect(try await fixture.verify().problems.first == .altered(sequence: 6))
    }

    @Test("an inserted entry is detected where it was inserted")
    func insertion() async throws {
        let fixture = try LedgerFixture()
        _ = try await fixture.filled(10)
        try await fixture.database.write { db in
            for sequence in stride(from: 10, through: 5, by: -1) {
                try db.execute(sql: "UPDATE ledger_entries SET seq = seq + 1 WHERE seq = ?", arguments: [sequence])
            }
            var forged = LedgerFixture.entry(99)
            forged.sequence = 5
            try db.execute(
                sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (5, ?, ?)",
                arguments: [Data(forged.record()), Data(repeating: 7, count: 32)])
        }
        #expect(try await fixture.verify().problems.first == .altered(sequence: 5))
    }

    @Test("every record reads back as the entry that was appended")
    func recordsRoundTrip() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.writer()
        var written: [LedgerEntry] = []
        for index in 1...12 {
            var entry = LedgerFixture.entry(index)
            if index % 3 == 0 { entry.user = nil }
            if index % 4 == 0 {
                (entry.decision, entry.reason, entry.status, entry.parentHop, entry.traceID) = (.denied, "no", nil, nil, "t\(index)")
            }
            if index % 5 == 0 { entry.actorPath = [] }
            entry.sequence = try await writer.append(entry)
            written.append(entry)
        }
        let read = try await fixture.database.read { db in
            try Data.fetchAll(db, sql: "SELECT record FROM ledger_entries ORDER BY seq").map { data in
                try data.withUnsafeBytes { try LedgerEntry(record: $0) }
            }
        }
        #expect(read == written)
        #expect(throws: LedgerError.self) { try [UInt8]([1, 1, 0]).withUnsafeBytes { try LedgerEntry(record: $0) } }
        #expect(throws: LedgerError.self) { try (written[0].record() + [0]).withUnsafeBytes { try LedgerEntry(record: $0) } }
    }

    @Test("when the database cannot write, append throws, nothing is half-written, and the chain goes on intact afterwards")
    func failsClosed() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.filled(5, checkpointEvery: 1_000)
        let pages = try await fixture.database.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try await fixture.database.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages)") }
        var refused = 0
        for index in 6...200 {
            do {
                try await writer.append(LedgerFixture.entry(index))
            } catch let error as LedgerError {
                #expect(error.code == "ledger_write_failed")
                refused += 1
            }
        }
        #expect(refused > 0, "the full database refused appends")
        let stored = try await fixture.database.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries")! }
        #expect(await writer.head.sequence == stored, "the writer's head is what is durable")
        try await fixture.database.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let next = try await writer.append(LedgerFixture.entry(500))
        #expect(next == stored + 1)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("a read-only database refuses every append with ledger_write_failed and records nothing")
    func readOnly() async throws {
        let fixture = try LedgerFixture()
        let writer = try await fixture.filled(3, checkpointEvery: 1_000)
        try await fixture.database.write { db in try db.execute(sql: "PRAGMA query_only = ON") }
        await #expect(throws: LedgerError.self) { try await writer.append(LedgerFixture.entry(4)) }
        try await fixture.database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = OFF") }
        #expect(try await fixture.database.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") } == 3)
        #expect(try await writer.append(LedgerFixture.entry(5)) == 4)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("the ledger key file is private and the database never holds token bytes")
    func noTokens() async throws {
        let fixture = try LedgerFixture()
        _ = try await fixture.filled(3)
        #expect(try permissions(of: fixture.directory.file("ledger-signing.key")) == 0o600)
        try await fixture.indexer().catchUp()
        let bytes = ["ledger.sqlite", "ledger.sqlite-wal", "ledger_index.sqlite", "ledger_index.sqlite-wal"].reduce(Data()) { bytes, file in
            bytes + (FileManager.default.contents(atPath: fixture.directory.file(file)) ?? Data())
        }
        #expect(bytes.range(of: Data("eyJ".utf8)) == nil, "no JWT-shaped bytes")
        #expect(bytes.range(of: Data("f1ng3rpr1nt1".utf8)) != nil, "fingerprints are stored")
    }
}
