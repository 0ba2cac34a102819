import GRDB
internal import GRDBSQLite

/// Checks that the query index hides no entry: every entry up to the index's watermark
/// has each of its index rows.
///
/// The index is derived, and queries re-check every entry they return against its record,
/// so a damaged index cannot make a query report something that did not happen; it could
/// only make a query miss an entry. This check finds such an entry by deriving each
/// entry's rows again and looking each up.
public enum LedgerIndexCheck {
    /// The first entry the index would hide from a query, or `nil` when it hides none;
    /// also how far the index reaches.
    public static func firstHidden(reader: LedgerReader, batchSize: Int = 65_536) throws -> (hidden: Int64?, indexedThrough: Int64) {
        let watermark = try LedgerSearch.watermark(of: reader)
        guard let index = reader.index, watermark > 0 else { return (nil, 0) }
        var from: Int64 = 0
        while from < watermark {
            let rows = try reader.entries.read { db in try IndexRows.read(db, after: from, through: watermark, limit: batchSize) }
            guard let last = rows.lastSequence else { break }
            if let hidden = try index.read({ db in try firstMissing(rows.rows, in: db) }) { return (hidden, watermark) }
            from = last
        }
        return (nil, watermark)
    }

    /// The lowest sequence number among `rows` that the index lacks.
    private static func firstMissing(_ rows: [IndexRows.Row], in db: Database) throws -> Int64? {
        let statement = try db.makeStatement(sql: "SELECT 1 FROM ledger_index WHERE dimension = ? AND day = ? AND key = ? AND ts_us = ? AND seq = ?")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        var missing: Int64?
        for row in rows where row.sequence < (missing ?? .max) {
            row.bind(to: handle)
            if sqlite3_step(handle) != SQLITE_ROW { missing = row.sequence }
        }
        return missing
    }
}
