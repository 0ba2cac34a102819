import BatonStorage
import Foundation
import GRDB
import Logging

/// Opens the ledger's databases: `ledger.sqlite`, the entries and their hashes (the
/// evidence), and `ledger_index.sqlite`, the query index derived from them.
public enum LedgerStore {
    /// Opens (creating and migrating if needed) the entries database, upgrading entries
    /// of the first schema to records.
    public static func openEntries(
        in directory: DataDirectory, busyTimeout: Duration, memory: SQLiteMemory = SQLiteMemory(), logger: Logger
    ) throws -> DatabasePool {
        try SQLiteStore.open(.ledger, in: directory, busyTimeout: busyTimeout, upgrade: upgrade, memory: memory, logger: logger)
    }

    /// Opens (creating and migrating if needed) the query index database.
    public static func openIndex(
        in directory: DataDirectory, busyTimeout: Duration, memory: SQLiteMemory = SQLiteMemory(), logger: Logger
    ) throws -> DatabasePool {
        try SQLiteStore.open(.ledgerIndex, in: directory, busyTimeout: busyTimeout, memory: memory, logger: logger)
    }

    /// The data upgrade `store` needs after its migrations, for code that opens every store.
    public static func upgrade(for store: StoreName) -> (@Sendable (Database) throws -> Void)? {
        store == .ledger ? upgrade : nil
    }

    /// Rewrites the rows of the first schema (moved aside by migration 0003) as records —
    /// the very bytes their hashes were computed over — and drops them. Does nothing once done.
    @Sendable public static func upgrade(_ db: Database) throws {
        guard try db.tableExists("ledger_entries_v1") else { return }
        let select = try db.makeStatement(sql: "SELECT \(LegacyRowEncoder.columns), hash FROM ledger_entries_v1 ORDER BY seq")
        let insert = try db.makeStatement(sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (?, ?, ?)")
        var encoder = LegacyRowEncoder()
        let rows = try Row.fetchCursor(select)
        while let row = try rows.next() {
            let record = encoder.record(select.sqliteStatement)
            try insert.execute(arguments: [row["seq"] as Int64, Data(record), row["hash"] as DatabaseValue])
        }
        try db.execute(sql: "DROP TABLE ledger_entries_v1")
    }
}
