import GRDB
internal import GRDBSQLite

/// The index rows of a batch of records, and the usernames seen with each object id.
///
/// Reads only the fields the index keys on, straight from the record bytes.
struct IndexRows {
    struct Row: Comparable {
        let dimension: Int64
        let day: Int64
        let key: Int64
        let timestamp: Int64
        let sequence: Int64

        static func < (lhs: Row, rhs: Row) -> Bool {
            (lhs.dimension, lhs.day, lhs.key, lhs.timestamp, lhs.sequence) < (rhs.dimension, rhs.day, rhs.key, rhs.timestamp, rhs.sequence)
        }

        /// Binds the row's columns, in `ledger_index`'s key order, to parameters 1–5.
        func bind(to handle: SQLiteStatement) {
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, dimension)
            sqlite3_bind_int64(handle, 2, day)
            sqlite3_bind_int64(handle, 3, key)
            sqlite3_bind_int64(handle, 4, timestamp)
            sqlite3_bind_int64(handle, 5, sequence)
        }
    }

    /// A username (lowercased) seen with an object id (lowercased).
    struct UserName: Hashable {
        let name: String
        let objectID: String
    }

    /// UTC days since 1970 of a timestamp in microseconds.
    static func day(_ timestamp: Int64) -> Int64 {
        let microsecondsPerDay: Int64 = 86_400_000_000
        return timestamp >= 0 ? timestamp / microsecondsPerDay : (timestamp + 1) / microsecondsPerDay - 1
    }

    private(set) var rows: [Row] = []
    /// The last record read, indexed or not.
    var lastSequence: Int64?
    private(set) var userNames: Set<UserName> = []

    /// The rows of up to `limit` records after `from` (and through `last`).
    static func read(_ db: Database, after from: Int64, through last: Int64 = .max, limit: Int) throws -> IndexRows {
        let statement = try db.makeStatement(sql: "SELECT seq, record FROM ledger_entries WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?")
        statement.arguments = [from, last, limit]
        let cursor = try GRDB.Row.fetchCursor(statement)
        let handle = statement.sqliteStatement
        var rows = IndexRows()
        while try cursor.next() != nil {
            rows.lastSequence = sqlite3_column_int64(handle, 0)
            // A record that does not decode gets no index rows; `baton audit verify` reports it.
            try? rows.add(RawSQLite.bytes(handle, column: 1))
        }
        return rows
    }

    /// Adds the rows of one record.
    mutating func add(_ record: UnsafeRawBufferPointer) throws(LedgerError) {
        var decoder = try CanonicalDecoder(record)
        let sequence = try decoder.requiredInteger("the sequence number")
        let timestamp = try decoder.requiredInteger("the timestamp")
        let day = Self.day(timestamp)
        func row(_ dimension: IndexDimension, _ key: Int64) {
            rows.append(Row(dimension: dimension.rawValue, day: day, key: key, timestamp: timestamp, sequence: sequence))
        }
        row(.time, 0)
        guard let chain = try decoder.textBytes() else { throw .malformedRecord("the chain id is absent") }
        row(.chain, IndexKey.chain(chain))
        _ = try decoder.integer()  // hop
        _ = try decoder.integer()  // parent hop
        guard let kind = try decoder.textBytes() else { throw .malformedRecord("the kind is absent") }
        row(.kind, IndexKey.digest(kind))
        _ = try decoder.textBytes()  // tenant
        if let object = try decoder.textBytes() {
            row(.user, IndexKey.user(object))
            if let name = try decoder.textBytes() {
                userNames.insert(
                    UserName(name: String(decoding: name, as: UTF8.self).lowercased(), objectID: String(decoding: object, as: UTF8.self).lowercased())
                )
            }
        } else {
            _ = try decoder.textBytes()  // username
        }
        if let agent = try decoder.textBytes() { row(.agent, IndexKey.digest(agent)) }
        let path = try decoder.requiredInteger("the actor path's length")
        guard (0...1_000).contains(path) else { throw .malformedRecord("an actor path of \(path) agents") }
        for _ in 0..<path { _ = try decoder.textBytes() }
        _ = try decoder.textBytes()  // target
        if let resource = try decoder.textBytes() { row(.resource, IndexKey.digest(resource)) }
    }

    /// Rows in key order, so inserts walk the index's pages in order.
    mutating func sort() {
        rows.sort()
    }
}
