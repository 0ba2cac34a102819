import GRDB
internal import GRDBSQLite

/// Builds the record of an entry stored by the first ledger schema — one column per
/// field — straight from its columns' bytes: byte for byte the encoding its hash was
/// computed over when it was written, so upgraded entries keep their hashes and the
/// chain and its signed checkpoints stay valid.
struct LegacyRowEncoder {
    /// The first schema's columns, in the order the record encodes them.
    static let columns =
        "seq, ts_us, chain_id, hop, parent_hop, kind, user_tid, user_oid, user_name, agent, actor_path, target, resource, operation, status, decision, reason, token_fingerprint, token_source, latency_us, trace_id"

    private var encoder = CanonicalEncoder()

    /// The record of a row selected with ``columns``.
    mutating func record(_ row: SQLiteStatement) -> [UInt8] {
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
        return encoder.bytes
    }

    private mutating func integer(_ row: SQLiteStatement, _ column: Int32) {
        encoder.integer(sqlite3_column_type(row, column) == SQLITE_NULL ? nil : sqlite3_column_int64(row, column))
    }

    private mutating func text(_ row: SQLiteStatement, _ column: Int32) {
        guard let bytes = Self.bytes(row, column) else { return encoder.absent() }
        encoder.text(bytes)
    }

    /// The stored path `a>b>c` as its count and each name, as the entry encoded it.
    private mutating func actorPath(_ row: SQLiteStatement, _ column: Int32) {
        let path = Self.bytes(row, column) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        let names = path.split(separator: UInt8(ascii: ">"), omittingEmptySubsequences: true)
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
