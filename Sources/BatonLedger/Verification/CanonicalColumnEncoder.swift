import Crypto
import GRDB
import GRDBSQLite

/// Hashes a stored ledger row, selected with ``LedgerEntry/columns``, straight from its
/// columns' bytes: the same encoding ``LedgerEntry/canonicalBytes()`` gives the entry that
/// was written, without building one.
struct CanonicalColumnEncoder {
    private var encoder = CanonicalEncoder()

    mutating func hash(_ row: SQLiteStatement, previous: [UInt8]) -> [UInt8] {
        encoder.reset()
        integer(row, 0)  // seq
        integer(row, 1)  // ts_us
        text(row, 2)  // chain_id
        integer(row, 3)  // hop
        integer(row, 4)  // parent_hop
        for column: Int32 in 5...9 { text(row, column) }  // kind, user_tid, user_oid, user_name, agent
        actorPath(row, 10)
        for column: Int32 in 11...13 { text(row, column) }  // target, resource, operation
        integer(row, 14)  // status
        for column: Int32 in 15...18 { text(row, column) }  // decision, reason, token_fingerprint, token_source
        integer(row, 19)  // latency_us
        text(row, 20)  // trace_id
        var hasher = SHA256()
        hasher.update(data: previous)
        encoder.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    private mutating func integer(_ row: SQLiteStatement, _ column: Int32) {
        encoder.integer(sqlite3_column_type(row, column) == SQLITE_NULL ? nil : sqlite3_column_int64(row, column))
    }

    private mutating func text(_ row: SQLiteStatement, _ column: Int32) {
        guard let bytes = Self.bytes(row, column) else { return encoder.absent() }
        encoder.text(bytes)
    }

    /// The stored path `a>b>c` as its count and each name, as ``LedgerEntry/actorPath`` encodes.
    private mutating func actorPath(_ row: SQLiteStatement, _ column: Int32) {
        let path = Self.bytes(row, column) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        let separator = UInt8(ascii: ">")
        let names = path.split(separator: separator, omittingEmptySubsequences: true)
        encoder.integer(Int64(names.count))
        for name in names { encoder.text(UnsafeRawBufferPointer(rebasing: name)) }
    }

    private static func bytes(_ row: SQLiteStatement, _ column: Int32) -> UnsafeRawBufferPointer? {
        guard sqlite3_column_type(row, column) != SQLITE_NULL else { return nil }
        // Ask for the text first: sqlite3_column_bytes then counts the UTF-8 form.
        let text = sqlite3_column_text(row, column)
        return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(row, column)))
    }
}
