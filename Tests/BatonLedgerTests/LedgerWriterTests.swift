import BatonCore
import BatonStorage
import BatonTestSupport
import Crypto
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonLedger

@Suite("The audit ledger: appending and verifying, on SQLite and on PostgreSQL")
struct LedgerWriterTests {
    @Test("appends get gapless sequence numbers and the chain verifies, across a reopen", arguments: StorageEngine.allCases)
    func appendAndVerify(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
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

    @Test("entries appended together land in order, in one transaction, and fail together", arguments: StorageEngine.allCases)
    func appendTogether(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.writer(checkpointEvery: 1_000)
        try await writer.append(LedgerFixture.entry(1))
        let before = await writer.batchesCommitted
        let sequences = try await writer.append(contentsOf: [LedgerFixture.entry(2), LedgerFixture.entry(3), LedgerFixture.entry(4)])
        #expect(sequences == [2, 3, 4])
        #expect(await writer.batchesCommitted == before + 1, "one transaction, one fsync")
        try await fixture.refuseWrites()
        await #expect(throws: LedgerError.self) { try await writer.append(contentsOf: [LedgerFixture.entry(5), LedgerFixture.entry(6)]) }
        try await fixture.allowWrites()
        #expect(try await fixture.integer("SELECT max(seq) FROM ledger_entries") == 4)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("1,000 concurrent appends share few transactions and all land, in one gapless chain", arguments: StorageEngine.allCases)
    func concurrentAppends(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.writer(checkpointEvery: 100_000)
        let sequences = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 1...1000 { group.addTask { try await writer.append(LedgerFixture.entry(index)) } }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(sequences == Set(1...1000))
        #expect(try await fixture.verify().isIntact)
    }

    /// One way to tamper with the stored ledger, in each engine's SQL.
    struct Tampering: Sendable, CustomTestStringConvertible {
        let name: String
        let sqlite: String
        var postgres: String?
        let expected: LedgerProblem
        var testDescription: String { name }
    }

    static let tamperings = [
        Tampering(name: "delete", sqlite: "DELETE FROM ledger_entries WHERE seq = 12", expected: .missing(sequence: 12)),
        Tampering(
            name: "delete the last entry of a verification range", sqlite: "DELETE FROM ledger_entries WHERE seq = 7", expected: .missing(sequence: 7)
        ),
        Tampering(
            name: "delete the first entry of a verification range", sqlite: "DELETE FROM ledger_entries WHERE seq = 8",
            expected: .missing(sequence: 8)),
        Tampering(
            name: "store the record as text", sqlite: "UPDATE ledger_entries SET record = CAST(record AS TEXT) WHERE seq = 9",
            postgres: "UPDATE ledger_entries SET record = convert_to(encode(record, 'hex'), 'UTF8') WHERE seq = 9", expected: .altered(sequence: 9)),
        Tampering(
            name: "replace a record with another entry's",
            sqlite: "UPDATE ledger_entries SET record = (SELECT record FROM ledger_entries WHERE seq = 2) WHERE seq = 11",
            expected: .altered(sequence: 11)),
        Tampering(
            name: "reorder",
            sqlite:
                "UPDATE ledger_entries SET seq = -1 WHERE seq = 3; UPDATE ledger_entries SET seq = 3 WHERE seq = 4; UPDATE ledger_entries SET seq = 4 WHERE seq = -1",
            expected: .altered(sequence: 3)),
        Tampering(
            name: "truncate the tail", sqlite: "DELETE FROM ledger_entries WHERE seq > 16", expected: .truncated(checkpoint: 20, lastEntry: 16)),
        Tampering(
            name: "forge a checkpoint", sqlite: "UPDATE ledger_checkpoints SET hash = zeroblob(32) WHERE seq = 10",
            postgres: "UPDATE ledger_checkpoints SET hash = decode(repeat('00', 32), 'hex') WHERE seq = 10",
            expected: .badCheckpointSignature(sequence: 10)),
    ]

    @Test("each kind of tampering is detected at the right sequence number", arguments: StorageEngine.allCases, tamperings)
    func tampering(engine: StorageEngine, tampering: Tampering) async throws {
        let fixture = try await LedgerFixture.open(engine)
        _ = try await fixture.filled(20)
        try await fixture.execute(sqlite: tampering.sqlite, postgres: tampering.postgres)
        let report = try await fixture.verify()
        #expect(report.problems.first == tampering.expected, "\(tampering.name): \(report.problems)")
        #expect(!report.isIntact)
    }

    @Test("an edited record is detected at its sequence number, even with its hash recomputed", arguments: StorageEngine.allCases)
    func editedRecord(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
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
        let previous = try #require(try await fixture.records.hash(at: 6))
        let record = try await fixture.record(7)
        try await fixture.setHash(7, record.withUnsafeBytes { LedgerEntry.hash(previous: previous, record: $0) })
        #expect(try await fixture.verify().problems.first == .treeMismatch(sequence: 7))
        #expect(try await fixture.verify(rangeSize: 100).problems.first == .treeMismatch(sequence: 7))
    }

    @Test("a record carrying another sequence number is detected, though the chain of hashes holds", arguments: StorageEngine.allCases)
    func renumberedRecord(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.filled(5)
        // An entry whose record says 99 but that sits (and is hashed) at 6.
        var forged = LedgerFixture.entry(6)
        forged.sequence = 99
        let record = forged.record()
        let head = await writer.head.hash
        try await fixture.insertRow(6, record: record, hash: record.withUnsafeBytes { LedgerEntry.hash(previous: head, record: $0) })
        #expect(try await fixture.verify().problems.first == .altered(sequence: 6))
    }

    @Test("an inserted entry is detected where it was inserted", arguments: StorageEngine.allCases)
    func insertion(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        _ = try await fixture.filled(10)
        for sequence in stride(from: 10, through: 5, by: -1) {
            try await fixture.execute(sqlite: "UPDATE ledger_entries SET seq = seq + 1 WHERE seq = \(sequence)")
        }
        var forged = LedgerFixture.entry(99)
        forged.sequence = 5
        try await fixture.insertRow(5, record: forged.record(), hash: [UInt8](repeating: 7, count: 32))
        #expect(try await fixture.verify().problems.first == .altered(sequence: 5))
    }

    @Test("every record reads back as the entry that was appended", arguments: StorageEngine.allCases)
    func recordsRoundTrip(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
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
        #expect(try await fixture.records.entries(after: 0, limit: 100) == written)
        #expect(try await fixture.records.entries(at: [12, 3, 40, 7]) == [written[11], written[2], written[6]])
        #expect(throws: LedgerError.self) { try [UInt8]([1, 1, 0]).withUnsafeBytes { try LedgerEntry(record: $0) } }
        #expect(throws: LedgerError.self) { try (written[0].record() + [0]).withUnsafeBytes { try LedgerEntry(record: $0) } }
    }

    @Test(
        "when the database refuses writes, append throws, nothing is half-written, and the chain goes on intact afterwards",
        arguments: StorageEngine.allCases)
    func failsClosed(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.filled(5, checkpointEvery: 1_000)
        try await fixture.refuseWrites()
        for index in 6...20 {
            await #expect(throws: LedgerError.self) { try await writer.append(LedgerFixture.entry(index)) }
        }
        let stored = try #require(try await fixture.integer("SELECT max(seq) FROM ledger_entries"))
        #expect(stored == 5)
        #expect(await writer.head.sequence == stored, "the writer's head is what is durable")
        try await fixture.allowWrites()
        let next = try await writer.append(LedgerFixture.entry(500))
        #expect(next == stored + 1)
        #expect(try await fixture.verify().isIntact)
    }

    @Test("a full SQLite database refuses appends with ledger_write_failed; the chain goes on once there is room")
    func fullDatabase() async throws {
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
        #expect(try await writer.append(LedgerFixture.entry(500)) == stored + 1)
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

    @Test("two writers on one PostgreSQL ledger (two daemons) chain their batches: no gap, no fork, no duplicate, and it verifies")
    func twoWritersOneLedger() async throws {
        let fixture = try await LedgerFixture.open(.postgres)
        let second = try await PostgresTestDatabase.reopen(try #require(fixture.postgres))
        let writers = [
            try await fixture.writer(checkpointEvery: 50),
            try await LedgerWriter.open(store: PostgresLedgerRecords(database: second), signer: fixture.signer, checkpointEvery: 50),
        ]
        let sequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for index in 0..<400 {
                let writer = writers[index % 2]
                group.addTask {
                    index % 5 == 0
                        ? try await writer.append(contentsOf: [LedgerFixture.entry(index), LedgerFixture.entry(index + 1000)])
                        : [try await writer.append(LedgerFixture.entry(index))]
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(sequences.sorted() == Array(1...480), "every acknowledged entry has its own number, none skipped")
        for writer in writers { try await writer.checkpoint() }
        let report = try await fixture.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 480)
        #expect(try await fixture.integer("SELECT seq FROM ledger_head") == 480)
        await second.close()
    }
}
