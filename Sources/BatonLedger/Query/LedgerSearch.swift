import BatonCore
import Foundation
import GRDB
internal import GRDBSQLite

/// One run of a ``LedgerQuery``: the index part (entries up to the index's watermark,
/// found by one index dimension) and the unindexed part (newer entries, read in order).
/// Every entry returned is decoded from its record and checked against the whole query.
struct LedgerSearch {
    let query: LedgerQuery
    let reader: LedgerReader
    /// Entries up to here are found through the index; 0 when there is no usable index.
    let watermark: Int64
    /// The lowercased object ids a user filter stands for.
    private var objectIDs: Set<String>?
    /// The chains of `chainsOf`.
    private var chains: Set<String>?

    /// Index candidates fetched per round.
    private static let candidateBatch = 512
    /// Records read per round when scanning.
    private static let scanBatch = 1_024

    init(query: LedgerQuery, reader: LedgerReader) throws {
        self.query = query
        self.reader = reader
        self.watermark = try Self.watermark(of: reader)
        if let user = query.user { objectIDs = try objectIDs(of: user) }
        if let owner = query.chainsOf { chains = try chains(of: owner) }
    }

    // MARK: - Matching

    func matches(_ entry: LedgerEntry) -> Bool {
        if let after = query.after, entry.sequence <= after { return false }
        guard entry.timestamp >= query.sinceMicroseconds, entry.timestamp < query.untilMicroseconds else { return false }
        if let objectIDs, !objectIDs.contains(entry.user?.objectID.lowercased() ?? "") { return false }
        if let chains, !chains.contains(entry.chainID) { return false }
        if let agent = query.agent, entry.agent != agent { return false }
        if let target = query.target, entry.target != target { return false }
        if let resource = query.resource, entry.resource != resource { return false }
        if let kind = query.kind, entry.kind != kind { return false }
        if let decision = query.decision, entry.decision != decision { return false }
        if let chainID = query.chainID, entry.chainID != chainID { return false }
        return true
    }

    // MARK: - The indexed part

    /// Up to `wanted` matching entries among those the index covers, in sequence order.
    func indexed(wanted: Int) throws -> [LedgerEntry] {
        guard let index = reader.index, watermark > (query.after ?? 0), let (dimension, keys) = probe(), !keys.isEmpty,
            let days = try days(in: index), !days.isEmpty
        else { return [] }
        let sql = """
            SELECT seq FROM ledger_index
            WHERE dimension = \(dimension.rawValue) AND day IN (\(days.map(String.init).joined(separator: ",")))
              AND key IN (\(keys.map(String.init).joined(separator: ",")))
              AND ts_us >= ? AND ts_us < ? AND seq > ? AND seq <= ?
            ORDER BY seq LIMIT ?
            """
        var found: [LedgerEntry] = []
        var lower = query.after ?? 0
        while found.count < wanted {
            let arguments: StatementArguments = [query.sinceMicroseconds, query.untilMicroseconds, lower, watermark, Self.candidateBatch]
            let candidates = try index.read { db in try Int64.fetchAll(db, sql: sql, arguments: arguments) }
            guard let last = candidates.last else { break }
            found += try entries(candidates).filter(matches)
            lower = last
            if candidates.count < Self.candidateBatch { break }
        }
        return Array(found.prefix(wanted))
    }

    /// The days the query's time range spans, within the days the index holds.
    private func days(in index: any DatabaseReader) throws -> ClosedRange<Int64>? {
        let held = try index.read { db -> (Int64, Int64)? in
            let first = try Int64.fetchOne(db, sql: "SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day LIMIT 1")
            let last = try Int64.fetchOne(db, sql: "SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day DESC LIMIT 1")
            guard let first, let last else { return nil }
            return (first, last)
        }
        guard let held else { return nil }
        let first = max(held.0, query.since.map { _ in IndexRows.day(query.sinceMicroseconds) } ?? .min)
        let last = min(held.1, query.until.map { _ in IndexRows.day(query.untilMicroseconds - 1) } ?? .max)
        return first <= last ? first...last : nil
    }

    /// The index dimension and keys that narrow this query the most.
    private func probe() -> (IndexDimension, [Int64])? {
        if let chainID = query.chainID { return (.chain, [IndexKey.chain(chainID)]) }
        if let chains { return (.chain, chains.map(IndexKey.chain)) }
        if let resource = query.resource { return (.resource, [IndexKey.digest(resource.utf8)]) }
        if let objectIDs { return (.user, objectIDs.map { IndexKey.user($0.utf8) }) }
        if let agent = query.agent { return (.agent, [IndexKey.digest(agent.utf8)]) }
        if let kind = query.kind { return (.kind, [IndexKey.digest(kind.rawValue.utf8)]) }
        return (.time, [0])
    }

    /// The entries with these sequence numbers, in the order given; missing ones are skipped.
    private func entries(_ sequences: [Int64]) throws -> [LedgerEntry] {
        try reader.entries.read { db in
            let statement = try db.cachedStatement(sql: "SELECT record FROM ledger_entries WHERE seq = ?")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            var entries: [LedgerEntry] = []
            entries.reserveCapacity(sequences.count)
            for sequence in sequences {
                sqlite3_reset(handle)
                sqlite3_bind_int64(handle, 1, sequence)
                guard sqlite3_step(handle) == SQLITE_ROW else { continue }
                entries.append(try Self.entry(handle, column: 0))
            }
            return entries
        }
    }

    // MARK: - The unindexed part

    /// Up to `wanted` matching entries newer than the index covers, in sequence order.
    func unindexed(wanted: Int) throws -> [LedgerEntry] {
        var found: [LedgerEntry] = []
        try scan(after: max(query.after ?? 0, watermark)) { entry in
            if matches(entry) { found.append(entry) }
            return found.count < wanted
        }
        return found
    }

    /// Decodes entries after `start` in order, while `body` returns true.
    private func scan(after start: Int64, _ body: (LedgerEntry) throws -> Bool) throws {
        var lower = start
        while true {
            let batch = try reader.entries.read { db -> [LedgerEntry] in
                let statement = try db.cachedStatement(sql: "SELECT record FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?")
                statement.arguments = [lower, Self.scanBatch]
                let cursor = try Row.fetchCursor(statement)
                var batch: [LedgerEntry] = []
                while try cursor.next() != nil { batch.append(try Self.entry(statement.sqliteStatement, column: 0)) }
                return batch
            }
            for entry in batch where try !body(entry) { return }
            guard let last = batch.last, batch.count == Self.scanBatch else { return }
            lower = last.sequence
        }
    }

    private static func entry(_ handle: SQLiteStatement, column: Int32) throws -> LedgerEntry {
        try LedgerEntry(record: RawSQLite.bytes(handle, column: column))
    }

    // MARK: - Resolving users and chains

    /// The object ids `user` stands for: itself if it is one, else those seen with that username.
    private func objectIDs(of user: String) throws -> Set<String> {
        if GUID.isValid(user) { return [user.lowercased()] }
        let name = user.lowercased()
        var found = Set<String>()
        if watermark > 0, let index = reader.index {
            found = try index.read { db in try Set(String.fetchAll(db, sql: "SELECT oid FROM ledger_user_names WHERE name = ?", arguments: [name])) }
        }
        try scan(after: watermark) { entry in
            if let user = entry.user, user.username?.lowercased() == name { found.insert(user.objectID.lowercased()) }
            return true
        }
        return found
    }

    /// The chains in which `owner` (tenant and object id) is the user of some entry.
    private func chains(of owner: ChainUser) throws -> Set<String> {
        let ownerOnly = LedgerQuery(user: owner.objectID, limit: .max - 1)
        let search = LedgerSearch(query: ownerOnly, reader: reader, watermark: watermark, objectIDs: [owner.objectID.lowercased()])
        var chains = Set<String>()
        for entry in try search.indexed(wanted: .max) + search.unindexed(wanted: .max) where entry.user?.tenantID == owner.tenantID {
            chains.insert(entry.chainID)
        }
        return chains
    }

    private init(query: LedgerQuery, reader: LedgerReader, watermark: Int64, objectIDs: Set<String>) {
        self.query = query
        self.reader = reader
        self.watermark = watermark
        self.objectIDs = objectIDs
    }

    // MARK: - The index's reach

    /// How far the index covers this ledger: its watermark, or 0 when it is absent,
    /// describes another ledger, or claims more entries than there are.
    static func watermark(of reader: LedgerReader) throws -> Int64 {
        guard let index = reader.index else { return 0 }
        let state = try index.read { db in
            try db.tableExists("ledger_index_state") ? Row.fetchOne(db, sql: "SELECT ledger_instance, indexed_through FROM ledger_index_state") : nil
        }
        guard let state else { return 0 }
        let ledger = try reader.entries.read { db in try LedgerIdentity.read(db) }
        let through: Int64 = state["indexed_through"]
        guard state["ledger_instance"] == ledger.instance, through <= ledger.last else { return 0 }
        return through
    }
}
