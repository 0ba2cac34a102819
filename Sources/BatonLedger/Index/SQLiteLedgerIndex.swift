import BatonStorage
import GRDB
internal import GRDBSQLite

/// The query index in SQLite (`ledger_index.sqlite`: `ledger_index` keyed by dimension,
/// day, key, time and sequence; `ledger_user_names`; `ledger_index_state`).
public struct SQLiteLedgerIndex: LedgerIndexStore {
    private let access: SQLiteAccess

    /// The index on a migrated index database (``LedgerStore/openIndex(in:busyTimeout:memory:logger:)``),
    /// or on one opened read-only for queries.
    ///
    /// - Parameter worker: a thread to run every access on (the indexer's, at a lower priority).
    public init(database: any DatabaseWriter, worker: BackgroundThread? = nil) {
        access = SQLiteAccess(database, on: worker)
    }

    // MARK: - Reading

    public func state() async throws -> LedgerIndexState? {
        try await access.read { db in
            guard try db.tableExists("ledger_index_state"),
                let state = try Row.fetchOne(db, sql: "SELECT ledger_instance, indexed_through FROM ledger_index_state")
            else { return nil }
            let first = try Int64.fetchOne(db, sql: "SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day LIMIT 1")
            let last = try Int64.fetchOne(db, sql: "SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day DESC LIMIT 1")
            let days = first.flatMap { first in last.flatMap { first <= $0 ? first...$0 : nil } }
            return LedgerIndexState(ledgerInstance: state["ledger_instance"], indexedThrough: state["indexed_through"], days: days)
        }
    }

    public func candidates(_ probe: IndexProbe, after: Int64, through: Int64, limit: Int) async throws -> [Int64] {
        // Days and keys are integers, written into the statement so SQLite plans one range per pair.
        let sql = """
            SELECT seq FROM ledger_index
            WHERE dimension = \(probe.dimension.rawValue) AND day IN (\(probe.days.map(String.init).joined(separator: ",")))
              AND key IN (\(probe.keys.map(String.init).joined(separator: ",")))
              AND ts_us >= ? AND ts_us < ? AND seq > ? AND seq <= ?
            ORDER BY seq LIMIT ?
            """
        return try await access.read { db in
            try Int64.fetchAll(db, sql: sql, arguments: [probe.since, probe.until, after, through, limit])
        }
    }

    public func objectIDs(named name: String) async throws -> Set<String> {
        try await access.read { db in
            try Set(String.fetchAll(db, sql: "SELECT oid FROM ledger_user_names WHERE name = ?", arguments: [name]))
        }
    }

    public func firstMissing(_ rows: [IndexRow]) async throws -> Int64? {
        try await access.read { db in
            let statement = try db.makeStatement(
                sql: "SELECT 1 FROM ledger_index WHERE dimension = ? AND day = ? AND key = ? AND ts_us = ? AND seq = ?")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            var missing: Int64?
            for row in rows where row.sequence < (missing ?? .max) {
                Self.bind(row, to: handle)
                if sqlite3_step(handle) != SQLITE_ROW { missing = row.sequence }
            }
            return missing
        }
    }

    // MARK: - Writing

    public func reset(describing ledger: String) async throws {
        try await access.write { db in
            try db.execute(sql: "DELETE FROM ledger_index; DELETE FROM ledger_user_names")
            try db.execute(
                sql: "INSERT OR REPLACE INTO ledger_index_state (singleton, ledger_instance, indexed_through) VALUES (1, ?, 0)", arguments: [ledger])
        }
    }

    public func forget() async throws {
        try await access.write { db in try db.execute(sql: "DELETE FROM ledger_index_state") }
    }

    public func add(_ rows: IndexRows, after from: Int64, through last: Int64) async throws -> Int64 {
        try await access.write { db in
            let current = try Int64.fetchOne(db, sql: "SELECT indexed_through FROM ledger_index_state") ?? 0
            guard current == from else { return current }
            let statement = try db.makeStatement(sql: "INSERT OR IGNORE INTO ledger_index (dimension, day, key, ts_us, seq) VALUES (?, ?, ?, ?, ?)")
            let handle = statement.sqliteStatement
            for row in rows.rows {
                Self.bind(row, to: handle)
                try db.stepToDone(handle)
            }
            let names = try db.cachedStatement(sql: "INSERT OR IGNORE INTO ledger_user_names (name, oid) VALUES (?, ?)")
            for user in rows.userNames { try names.execute(arguments: [user.name, user.objectID]) }
            try db.execute(sql: "UPDATE ledger_index_state SET indexed_through = ?", arguments: [last])
            return last
        }
    }

    /// Binds a row's columns, in `ledger_index`'s key order, to parameters 1–5.
    private static func bind(_ row: IndexRow, to handle: SQLiteStatement) {
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, row.dimension)
        sqlite3_bind_int64(handle, 2, row.day)
        sqlite3_bind_int64(handle, 3, row.key)
        sqlite3_bind_int64(handle, 4, row.timestamp)
        sqlite3_bind_int64(handle, 5, row.sequence)
    }
}
