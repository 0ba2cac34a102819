import Foundation
import GRDB

/// A filter over the ledger, answered from its indexes, with cursor pagination.
///
/// ```swift
/// let page = try LedgerQuery(user: "jane@contoso.com", since: Date().addingTimeInterval(-86_400)).run(on: pool)
/// ```
public struct LedgerQuery: Sendable, Equatable {
    /// A username, or an object id (matched in any tenant).
    public var user: String?
    public var agent: String?
    public var target: String?
    public var resource: String?
    public var kind: LedgerEventKind?
    public var decision: LedgerDecision?
    public var chainID: String?
    /// Only the chains of this user (tenant + object id): a user's view of the ledger.
    public var chainsOf: LedgerUser?
    public var since: Date?
    public var until: Date?
    /// Entries after this sequence number (the previous page's `nextCursor`).
    public var after: Int64?
    public var limit: Int

    public init(
        user: String? = nil, agent: String? = nil, target: String? = nil, resource: String? = nil, kind: LedgerEventKind? = nil,
        decision: LedgerDecision? = nil, chainID: String? = nil, chainsOf: LedgerUser? = nil, since: Date? = nil, until: Date? = nil,
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

    public func run(on reader: any DatabaseReader) throws -> Page {
        let (conditions, arguments) = sqlFilter()
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try reader.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(LedgerEntry.columns) FROM ledger_entries \(filter) ORDER BY seq LIMIT ?", arguments: arguments + [limit + 1])
        }
        var entries = rows.prefix(limit).compactMap(LedgerEntry.init(row:))
        let more = rows.count > limit
        if !more { return Page(entries: entries, nextCursor: nil) }
        entries = Array(entries)
        return Page(entries: entries, nextCursor: entries.last?.sequence)
    }

    private func sqlFilter() -> ([String], StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func add(_ condition: String, _ values: [(any DatabaseValueConvertible)?]) {
            conditions.append(condition)
            for value in values { arguments += [value] }
        }
        if let user {
            if UUID(uuidString: user) != nil {
                add("user_oid = ?", [user.lowercased()])
            } else {
                add("user_oid IN (SELECT DISTINCT user_oid FROM ledger_entries WHERE lower(user_name) = lower(?))", [user])
            }
        }
        if let chainsOf {
            add("chain_id IN (SELECT chain_id FROM ledger_entries WHERE user_tid = ? AND user_oid = ?)", [chainsOf.tenantID, chainsOf.objectID])
        }
        if let agent { add("agent = ?", [agent]) }
        if let target { add("target = ?", [target]) }
        if let resource { add("resource = ?", [resource]) }
        if let kind { add("kind = ?", [kind.rawValue]) }
        if let decision { add("decision = ?", [decision.rawValue]) }
        if let chainID { add("chain_id = ?", [chainID]) }
        if let since { add("ts_us >= ?", [Int64(since.timeIntervalSince1970 * 1_000_000)]) }
        if let until { add("ts_us < ?", [Int64(until.timeIntervalSince1970 * 1_000_000)]) }
        if let after { add("seq > ?", [after]) }
        return (conditions, arguments)
    }
}
