import BatonStorage
import BatonTestSupport
import Crypto
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonLedger

/// A migrated ledger database in a fresh data directory.
struct LedgerFixture {
    let root: TemporaryDirectory
    let directory: DataDirectory
    let database: DatabasePool
    let signer: CheckpointSigner

    init() throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        database = try SQLiteStore.open(.ledger, in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        signer = try CheckpointSigner.load(from: directory)
    }

    func writer(checkpointEvery: Int64 = 10) async throws -> LedgerWriter {
        try await LedgerWriter.open(database: database, signer: signer, checkpointEvery: checkpointEvery)
    }

    /// Verifies in ranges of `rangeSize` entries, so small ledgers exercise the parallel split too.
    func verify(rangeSize: Int64 = 7) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(reader: database, publicKey: signer.publicKey, rangeSize: rangeSize).verify()
    }

    static func entry(_ index: Int, user: String = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", agent: String = "itsm") -> LedgerEntry {
        LedgerEntry(
            chainID: "0193a4b2-0000-7000-8000-\(String(format: "%012d", index / 4))", hop: index % 4, parentHop: index % 4 == 0 ? nil : index % 4 - 1,
            kind: .downstream, user: LedgerUser(tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: user, username: "jane@contoso.com"),
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
            ("edit", "UPDATE ledger_entries SET user_name = 'mallory@contoso.com' WHERE seq = 7", LedgerProblem.altered(sequence: 7)),
            ("delete", "DELETE FROM ledger_entries WHERE seq = 12", .missing(sequence: 12)),
            ("delete the last entry of a verification range", "DELETE FROM ledger_entries WHERE seq = 7", .missing(sequence: 7)),
            ("delete the first entry of a verification range", "DELETE FROM ledger_entries WHERE seq = 8", .missing(sequence: 8)),
            ("store a kind no writer writes", "UPDATE ledger_entries SET kind = 'bogus' WHERE seq = 9", .altered(sequence: 9)),
            ("drop the user's object id", "UPDATE ledger_entries SET user_oid = NULL WHERE seq = 11", .altered(sequence: 11)),
            ("edit two entries", "UPDATE ledger_entries SET status = 500 WHERE seq IN (6, 15)", .altered(sequence: 6)),
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
            var arguments = forged.rowArguments
            arguments += [Data(repeating: 7, count: 32)]
            try db.execute(
                sql: "INSERT INTO ledger_entries (\(LedgerEntry.columns), hash) VALUES (\(Array(repeating: "?", count: 22).joined(separator: ",")))",
                arguments: arguments)
        }
        #expect(try await fixture.verify().problems.first == .altered(sequence: 5))
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
        let bytes =
            (FileManager.default.contents(atPath: fixture.directory.file("ledger.sqlite")) ?? Data())
            + (FileManager.default.contents(atPath: fixture.directory.file("ledger.sqlite-wal")) ?? Data())
        #expect(bytes.range(of: Data("eyJ".utf8)) == nil, "no JWT-shaped bytes")
        #expect(bytes.range(of: Data("f1ng3rpr1nt1".utf8)) != nil, "fingerprints are stored")
    }
}
