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

    /// The ledger of `directory` opened for reading only (for `baton audit …` while the
    /// daemon may run), with its query index when there is one; `nil` when there is no ledger.
    ///
    /// - Throws: ``LedgerError/notUpgraded(path:)`` for a ledger of the first schema.
    public static func openReader(in directory: DataDirectory, busyTimeout: Duration) throws -> LedgerReader? {
        guard let entries = try SQLiteStore.openReadOnly(.ledger, in: directory, busyTimeout: busyTimeout) else { return nil }
        let upgraded = try entries.read { db in
            try !db.tableExists("ledger_entries_v1") && db.columns(in: "ledger_entries").contains { $0.name == "record" }
                && db.tableExists("ledger_tiles")
        }
        guard upgraded else { throw LedgerError.notUpgraded(path: directory.path) }
        let index = try SQLiteStore.openReadOnly(.ledgerIndex, in: directory, busyTimeout: busyTimeout)
        return LedgerReader(records: SQLiteLedgerRecords(database: entries), index: index.map { SQLiteLedgerIndex(database: $0) })
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
