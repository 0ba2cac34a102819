import BatonCore
import Foundation

/// A filter over the ledger, answered from its index, with cursor pagination.
///
/// The index narrows the search to candidate entries; every candidate is then read from
/// its record and checked against the whole filter, so what a query returns comes from
/// the evidence itself, never from the derived index. Entries newer than the index's
/// watermark are read directly.
///
/// ```swift
/// let page = try await LedgerQuery(user: "jane@contoso.com", since: Date().addingTimeInterval(-86_400)).run(on: reader)
/// ```
public struct LedgerQuery: Sendable, Equatable {
    /// A username (any case), or an object id (matched in any tenant).
    public var user: String?
    public var agent: String?
    public var target: String?
    public var resource: String?
    public var kind: LedgerEventKind?
    public var decision: LedgerDecision?
    public var chainID: String?
    /// Only the chains of this user (tenant + object id): a user's view of the ledger.
    public var chainsOf: ChainUser?
    public var since: Date?
    public var until: Date?
    /// Entries after this sequence number (the previous page's `nextCursor`).
    public var after: Int64?
    public var limit: Int

    public init(
        user: String? = nil, agent: String? = nil, target: String? = nil, resource: String? = nil, kind: LedgerEventKind? = nil,
        decision: LedgerDecision? = nil, chainID: String? = nil, chainsOf: ChainUser? = nil, since: Date? = nil, until: Date? = nil,
        after: Int64? = nil,
        limit: Int = 100
    ) {
        self.user = user
        self.agent = agent
        self.target = target
        self.resource = resource
        self.kind = kind
        self.decision = decision
        self.chainID = chainID
        self.chainsOf = chainsOf
        self.since = since
        self.until = until
        self.after = after
        self.limit = limit
    }

    /// One page of entries in sequence order, and the cursor for the next page.
    public struct Page: Sendable, Equatable {
        public var entries: [LedgerEntry]
        /// Pass as `after` for the next page; `nil` when this was the last.
        public var nextCursor: Int64?
    }

    public func run(on reader: LedgerReader) async throws -> Page {
        let search = try await LedgerSearch(query: self, reader: reader)
        let wanted = max(limit, 0) + 1
        var entries = try await search.indexed(wanted: wanted)
        if entries.count < wanted { entries += try await search.unindexed(wanted: wanted - entries.count) }
        guard entries.count > limit else { return Page(entries: entries, nextCursor: nil) }
        let page = Array(entries.prefix(limit))
        return Page(entries: page, nextCursor: page.last?.sequence)
    }

    var sinceMicroseconds: Int64 { since.map { Int64($0.timeIntervalSince1970 * 1_000_000) } ?? .min }
    var untilMicroseconds: Int64 { until.map { Int64($0.timeIntervalSince1970 * 1_000_000) } ?? .max }
}
