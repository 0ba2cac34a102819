import BatonCore
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import BatonLedger

/// A migrated ledger (entries and index) in a fresh data directory (SQLite) or a fresh
/// schema of the test cluster (PostgreSQL).
struct LedgerFixture {
    let engine: StorageEngine
    let root: TemporaryDirectory
    let directory: DataDirectory
    let signer: CheckpointSigner
    let records: any LedgerRecordStore
    let indexStore: any LedgerIndexStore
    /// SQLite only: the entries and index databases.
    let sqlite: (entries: DatabasePool, index: DatabasePool)?
    /// PostgreSQL only: the schema's database.
    let postgres: PostgresStorage?

    /// A SQLite ledger (for tests of what only SQLite has: files, pragmas, upgrades).
    init() throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        let entries = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        let index = try LedgerStore.openIndex(in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        sqlite = (entries, index)
        postgres = nil
        engine = .sqlite
        records = SQLiteLedgerRecords(database: entries)
        indexStore = SQLiteLedgerIndex(database: index)
        signer = try CheckpointSigner.load(from: directory)
    }

    private init(postgres: PostgresStorage) throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        sqlite = nil
        self.postgres = postgres
        engine = .postgres
        records = PostgresLedgerRecords(database: postgres)
        indexStore = PostgresLedgerIndex(database: postgres)
        signer = try CheckpointSigner.load(from: directory)
    }

    /// A fresh ledger on `engine`.
    static func open(_ engine: StorageEngine) async throws -> LedgerFixture {
        switch engine {
        case .sqlite: try LedgerFixture()
        case .postgres: try LedgerFixture(postgres: try await PostgresTestDatabase.open())
        }
    }

    /// SQLite only: the entries database.
    var database: DatabasePool { sqlite!.entries }
    /// SQLite only: the index database.
    var index: DatabasePool { sqlite!.index }

    var reader: LedgerReader { LedgerReader(records: records, index: indexStore) }

    func writer(checkpointEvery: Int64 = 10) async throws -> LedgerWriter {
        try await LedgerWriter.open(store: records, signer: signer, checkpointEvery: checkpointEvery)
    }

    func indexer() async throws -> LedgerIndexer {
        try await LedgerIndexer.open(records: records, index: indexStore)
    }

    /// Verifies in ranges of `rangeSize` entries, so small ledgers exercise the parallel split too.
    func verify(rangeSize: Int64 = 7) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(records: records, publicKey: signer.publicKey, rangeSize: rangeSize).verify()
    }

    // MARK: - Changing the stored rows as an attacker (or a failing disk) would

    /// Runs SQL on the ledger's database: `sqlite` on SQLite, `postgres` (statements separated by `;`) on PostgreSQL.
    func execute(sqlite sqliteSQL: String, postgres postgresSQL: String? = nil) async throws {
        switch engine {
        case .sqlite:
            try await database.write { db in try db.execute(sql: sqliteSQL) }
        case .postgres:
            for statement in SQLScript.statements(postgresSQL ?? sqliteSQL) {
                try await postgres!.query(PostgresQuery(unsafeSQL: statement)).drain()
            }
        }
    }

    /// Runs one statement on the query index's database (its own file on SQLite, the schema on PostgreSQL).
    func executeOnIndex(_ sql: String) async throws {
        switch engine {
        case .sqlite: try await index.write { db in try db.execute(sql: sql) }
        case .postgres: try await postgres!.query(PostgresQuery(unsafeSQL: sql)).drain()
        }
    }

    /// The integer a query on the index's database answers.
    func integerOnIndex(_ sql: String) async throws -> Int64? {
        switch engine {
        case .sqlite: try await index.read { db in try Int64.fetchOne(db, sql: sql) }
        case .postgres: try await integer(sql)
        }
    }

    /// The integer the query answers (its first column of its first row), on either engine.
    func integer(_ sql: String) async throws -> Int64? {
        switch engine {
        case .sqlite: try await database.read { db in try Int64.fetchOne(db, sql: sql) }
        case .postgres: try await postgres!.query(PostgresQuery(unsafeSQL: sql)).decode(Int64?.self).elements().first ?? nil
        }
    }

    /// The stored record of entry `sequence`.
    func record(_ sequence: Int64) async throws -> [UInt8] {
        try await records.records(at: [sequence]) { cursor in try cursor.next().map { Array($0.record) } ?? [] }
    }

    /// Rewrites the stored record of entry `sequence`.
    func editRecord(_ sequence: Int64, _ edit: @Sendable (inout [UInt8]) -> Void) async throws {
        var record = try await record(sequence)
        edit(&record)
        try await store(sequence, record: record, hash: nil, insert: false)
    }

    /// Replaces entry `sequence`'s stored hash.
    func setHash(_ sequence: Int64, _ hash: [UInt8]) async throws {
        try await store(sequence, record: nil, hash: hash, insert: false)
    }

    /// Inserts a row into the entries table directly.
    func insertRow(_ sequence: Int64, record: [UInt8], hash: [UInt8]) async throws {
        try await store(sequence, record: record, hash: hash, insert: true)
    }

    private func store(_ sequence: Int64, record: [UInt8]?, hash: [UInt8]?, insert: Bool) async throws {
        switch engine {
        case .sqlite:
            try await database.write { db in
                if insert {
                    try db.execute(
                        sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (?, ?, ?)", arguments: [sequence, Data(record!), Data(hash!)])
                    return
                }
                if let record { try db.execute(sql: "UPDATE ledger_entries SET record = ? WHERE seq = ?", arguments: [Data(record), sequence]) }
                if let hash { try db.execute(sql: "UPDATE ledger_entries SET hash = ? WHERE seq = ?", arguments: [Data(hash), sequence]) }
            }
        case .postgres:
            let database = postgres!
            if insert {
                try await database.query(
                    "INSERT INTO ledger_entries (seq, record, hash) VALUES (\(sequence), \(ByteBuffer(bytes: record!)), \(ByteBuffer(bytes: hash!)))"
                ).drain()
                return
            }
            if let record {
                try await database.query("UPDATE ledger_entries SET record = \(ByteBuffer(bytes: record)) WHERE seq = \(sequence)").drain()
            }
            if let hash { try await database.query("UPDATE ledger_entries SET hash = \(ByteBuffer(bytes: hash)) WHERE seq = \(sequence)").drain() }
        }
    }

    /// Makes every insert into the entries table fail (a full disk, a lost permission) until ``allowWrites()``.
    func refuseWrites() async throws {
        try await execute(
            sqlite: "CREATE TRIGGER refuse BEFORE INSERT ON ledger_entries BEGIN SELECT RAISE(ABORT, 'refused'); END",
            postgres: "ALTER TABLE ledger_entries ADD CONSTRAINT refuse CHECK (false) NOT VALID")
    }

    func allowWrites() async throws {
        try await execute(sqlite: "DROP TRIGGER refuse", postgres: "ALTER TABLE ledger_entries DROP CONSTRAINT refuse")
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
