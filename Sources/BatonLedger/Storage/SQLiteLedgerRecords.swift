import Foundation
import GRDB
internal import GRDBSQLite

/// The ledger's records in SQLite (`ledger.sqlite`: `ledger_entries` with `seq`, `record`,
/// `hash`; `ledger_checkpoints`), written with `synchronous = FULL`.
public struct SQLiteLedgerRecords: LedgerRecordStore {
    private let database: DatabasePool

    /// The store on a migrated ledger database (``LedgerStore/openEntries(in:busyTimeout:memory:logger:)``).
    public init(database: DatabasePool) {
        self.database = database
    }

    public func head() async throws -> (sequence: Int64, hash: [UInt8])? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1").map {
                ($0["seq"] as Int64, Array($0["hash"] as Data))
            }
        }
    }

    public func lastCheckpointSequence() async throws -> Int64 {
        try await database.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_checkpoints") ?? 0 }
    }

    public func append(_ records: [SealedRecord]) async throws {
        try await database.write { db in try Self.insert(records, into: db) }
    }

    public func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)",
                arguments: [checkpoint.sequence, checkpoint.timestamp, Data(checkpoint.hash), checkpoint.keyID, checkpoint.signature])
        }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await database.read(Self.checkpoints(in:))
    }

    /// The signed checkpoints, oldest first, read in `db` (the verifier and the export read them in their own transactions).
    static func checkpoints(in db: Database) throws -> [StoredCheckpoint] {
        try Row.fetchAll(db, sql: "SELECT seq, ts_us, hash, key_id, signature FROM ledger_checkpoints ORDER BY seq").map { row in
            StoredCheckpoint(
                sequence: row["seq"], timestamp: row["ts_us"], hash: Array(row["hash"] as Data), keyID: row["key_id"], signature: row["signature"])
        }
    }

    /// Inserts sealed records, binding their bytes in place (no copies per row).
    private static func insert(_ sealed: [SealedRecord], into db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (?, ?, ?)")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }
        for row in sealed {
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, row.sequence)
            try row.record.withUnsafeBytes { record in
                try row.hash.withUnsafeBytes { hash in
                    // SQLITE_STATIC: both buffers outlive the step below.
                    sqlite3_bind_blob(handle, 2, record.baseAddress, Int32(record.count), nil)
                    sqlite3_bind_blob(handle, 3, hash.baseAddress, Int32(hash.count), nil)
                    try db.stepToDone(handle)
                }
            }
        }
    }
}
