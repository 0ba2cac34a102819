import BatonCore
import Foundation

/// One run of a ``LedgerQuery``: the index part (entries up to the index's watermark,
/// found by one index dimension) and the unindexed part (newer entries, read in order).
/// Every entry returned is decoded from its record and checked against the whole query.
struct LedgerSearch: Sendable {
    let query: LedgerQuery
    let reader: LedgerReader
    /// Entries up to here are found through the index; 0 when there is no usable index.
    let watermark: Int64
    /// The days the index holds entries of.
    let indexedDays: ClosedRange<Int64>?
    /// The lowercased object ids a user filter stands for.
    private var objectIDs: Set<String>?
    /// The chains of `chainsOf`.
    private var chains: Set<String>?

    /// Index candidates fetched per round.
    private static let candidateBatch = 512
    /// Records read per round when scanning.
    private static let scanBatch = 1_024

    init(query: LedgerQuery, reader: LedgerReader) async throws {
        self.query = query
        self.reader = reader
        (watermark, indexedDays) = try await Self.reach(of: reader)
        if let user = query.user { objectIDs = try await objectIDs(of: user) }
        if let owner = query.chainsOf { chains = try await chains(of: owner) }
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
    func indexed(wanted: Int) async throws -> [LedgerEntry] {
        guard let index = reader.index, watermark > (query.after ?? 0), let probe = probe(), !probe.keys.isEmpty else {
            return []
        }
        var found: [LedgerEntry] = []
        var lower = query.after ?? 0
        while found.count < wanted {
            let candidates = try await index.candidates(probe, after: lower, through: watermark, limit: Self.candidateBatch)
            guard let last = candidates.last else { break }
            found += try await reader.records.entries(at: candidates).filter(matches)
            lower = last
            if candidates.count < Self.candidateBatch { break }
        }
        return Array(found.prefix(wanted))
    }

    /// What to look up in the index: the dimension and keys that narrow this query the
    /// most, on the days its time range spans within those the index holds; `nil` when
    /// the index holds none of them.
    private func probe() -> IndexProbe? {
        guard let held = indexedDays else { return nil }
        let first = max(held.lowerBound, query.since.map { _ in IndexRows.day(query.sinceMicroseconds) } ?? .min)
        let last = min(held.upperBound, query.until.map { _ in IndexRows.day(query.untilMicroseconds - 1) } ?? .max)
        guard first <= last else { return nil }
        let (dimension, keys) = narrowest()
        return IndexProbe(dimension: dimension, keys: keys, days: first...last, since: query.sinceMicroseconds, until: query.untilMicroseconds)
    }

    /// The index dimension and keys that narrow this query the most.
    private func narrowest() -> (IndexDimension, [Int64]) {
        if let chainID = query.chainID { return (.chain, [IndexKey.chain(chainID)]) }
        if let chains { return (.chain, chains.map(IndexKey.chain)) }
        if let resource = query.resource { return (.resource, [IndexKey.digest(resource.utf8)]) }
        if let objectIDs { return (.user, objectIDs.map { IndexKey.user($0.utf8) }) }
        if let agent = query.agent { return (.agent, [IndexKey.digest(agent.utf8)]) }
        if let kind = query.kind { return (.kind, [IndexKey.digest(kind.rawValue.utf8)]) }
        return (.time, [0])
    }

    // MARK: - The unindexed part

    /// Up to `wanted` matching entries newer than the index covers, in sequence order.
    func unindexed(wanted: Int) async throws -> [LedgerEntry] {
        var found: [LedgerEntry] = []
        try await scan(after: max(query.after ?? 0, watermark)) { entry in
            if matches(entry) { found.append(entry) }
            return found.count < wanted
        }
        return found
    }

    /// Decodes entries after `start` in order, while `body` returns true.
    private func scan(after start: Int64, _ body: (LedgerEntry) throws -> Bool) async throws {
        var lower = start
        while true {
            let batch = try await reader.records.entries(after: lower, limit: Self.scanBatch)
            for entry in batch where try !body(entry) { return }
            guard let last = batch.last, batch.count == Self.scanBatch else { return }
            lower = last.sequence
        }
    }

    // MARK: - Resolving users and chains

    /// The object ids `user` stands for: itself if it is one, else those seen with that username.
    private func objectIDs(of user: String) async throws -> Set<String> {
        if GUID.isValid(user) { return [user.lowercased()] }
        let name = user.lowercased()
        var found = Set<String>()
        if watermark > 0, let index = reader.index { found = try await index.objectIDs(named: name) }
        try await scan(after: watermark) { entry in
            if let user = entry.user, user.username?.lowercased() == name { found.insert(user.objectID.lowercased()) }
            return true
        }
        return found
    }

    /// The chains in which `owner` (tenant and object id) is the user of some entry.
    private func chains(of owner: ChainUser) async throws -> Set<String> {
        let ownerOnly = LedgerQuery(user: owner.objectID, limit: .max - 1)
        let search = LedgerSearch(
            query: ownerOnly, reader: reader, watermark: watermark, indexedDays: indexedDays, objectIDs: [owner.objectID.lowercased()])
        var chains = Set<String>()
        for entry in try await search.indexed(wanted: .max) + search.unindexed(wanted: .max) where entry.user?.tenantID == owner.tenantID {
            chains.insert(entry.chainID)
        }
        return chains
    }

    private init(query: LedgerQuery, reader: LedgerReader, watermark: Int64, indexedDays: ClosedRange<Int64>?, objectIDs: Set<String>) {
        self.query = query
        self.reader = reader
        self.watermark = watermark
        self.indexedDays = indexedDays
        self.objectIDs = objectIDs
    }

    // MARK: - The index's reach

    /// How far the index covers this ledger — its watermark, or 0 when it is absent,
    /// describes another ledger, or claims more entries than there are — and the days it holds.
    static func reach(of reader: LedgerReader) async throws -> (watermark: Int64, days: ClosedRange<Int64>?) {
        guard let index = reader.index else { return (0, nil) }
        async let ledger = reader.records.identity()
        guard let state = try await index.state() else { return (0, nil) }
        guard try await state.ledgerInstance == ledger.instance, try await state.indexedThrough <= ledger.last else { return (0, nil) }
        return (state.indexedThrough, state.days)
    }
}
