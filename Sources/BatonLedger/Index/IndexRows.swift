/// One row of the query index: an entry under one dimension's key, on its day.
public struct IndexRow: Sendable, Hashable, Comparable {
    public let dimension: Int64
    public let day: Int64
    public let key: Int64
    public let timestamp: Int64
    public let sequence: Int64

    public static func < (lhs: IndexRow, rhs: IndexRow) -> Bool {
        (lhs.dimension, lhs.day, lhs.key, lhs.timestamp, lhs.sequence) < (rhs.dimension, rhs.day, rhs.key, rhs.timestamp, rhs.sequence)
    }
}

/// The index rows of a batch of records, and the usernames seen with each object id.
///
/// Reads only the fields the index keys on, straight from the record bytes.
public struct IndexRows: Sendable {
    /// A username (lowercased) seen with an object id (lowercased).
    public struct UserName: Sendable, Hashable {
        public let name: String
        public let objectID: String
    }

    /// UTC days since 1970 of a timestamp in microseconds.
    static func day(_ timestamp: Int64) -> Int64 {
        let microsecondsPerDay: Int64 = 86_400_000_000
        return timestamp >= 0 ? timestamp / microsecondsPerDay : (timestamp + 1) / microsecondsPerDay - 1
    }

    public private(set) var rows: [IndexRow] = []
    /// The last record read, indexed or not.
    var lastSequence: Int64?
    public private(set) var userNames: Set<UserName> = []

    /// The rows of up to `limit` records after `from` (and through `last`), in key order.
    static func read(from records: any LedgerRecordSource, after from: Int64, through last: Int64 = .max, limit: Int) async throws -> IndexRows {
        try await records.records(from: from + 1, through: last, limit: limit) { cursor in
            var rows = IndexRows()
            while let stored = try cursor.next() {
                rows.lastSequence = stored.sequence
                // A record that does not decode gets no index rows; `baton audit verify` reports it.
                try? rows.add(stored.record)
            }
            // In key order, so inserts walk the index's pages in order.
            rows.rows.sort()
            return rows
        }
    }

    /// Adds the rows of one record.
    mutating func add(_ record: UnsafeRawBufferPointer) throws(LedgerError) {
        guard record.first != CompactRecord.version else { return add(try LedgerEntry(record: record)) }
        var decoder = try CanonicalDecoder(record)
        let sequence = try decoder.requiredInteger("the sequence number")
        let timestamp = try decoder.requiredInteger("the timestamp")
        let day = Self.day(timestamp)
        func row(_ dimension: IndexDimension, _ key: Int64) {
            rows.append(IndexRow(dimension: dimension.rawValue, day: day, key: key, timestamp: timestamp, sequence: sequence))
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

    /// Adds the rows of a decoded entry: the same keys the version-1 path derives from the bytes.
    mutating func add(_ entry: LedgerEntry) {
        let day = Self.day(entry.timestamp)
        func row(_ dimension: IndexDimension, _ key: Int64) {
            rows.append(IndexRow(dimension: dimension.rawValue, day: day, key: key, timestamp: entry.timestamp, sequence: entry.sequence))
        }
        row(.time, 0)
        row(.chain, IndexKey.chain(entry.chainID))
        row(.kind, IndexKey.digest(entry.kind.rawValue.utf8))
        if let user = entry.user {
            row(.user, IndexKey.user(user.objectID.utf8))
            if let name = user.username { userNames.insert(UserName(name: name.lowercased(), objectID: user.objectID.lowercased())) }
        }
        if let agent = entry.agent { row(.agent, IndexKey.digest(agent.utf8)) }
        if let resource = entry.resource { row(.resource, IndexKey.digest(resource.utf8)) }
    }
}
