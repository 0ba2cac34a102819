import BatonLedger
import Foundation

/// What the console's pages read from the ledger, each read limited to what the viewer
/// may see (``ConsoleViewer/scoped(_:)``).
struct ConsoleQueries: Sendable {
    /// The most entries one chain page draws; a chain longer than this is cut, and says so.
    static let maximumChainEntries = 10_000
    static let dayPageSize = 1_000
    static let searchPageSize = 50
    static let maximumResourceEntries = 5_000

    let reader: LedgerReader
    let viewer: ConsoleViewer

    /// Every entry of the chain the viewer may see, oldest first; empty when none (an unknown
    /// chain and another user's chain look the same).
    func chain(_ chainID: String) async throws -> [LedgerEntry] {
        try await all(LedgerQuery(chainID: chainID, limit: 1_000), upTo: Self.maximumChainEntries)
    }

    /// One page of a user's day (UTC), from `after`.
    func day(of user: String, starting day: Date, after: Int64?) async throws -> LedgerQuery.Page {
        try await viewer.scoped(
            LedgerQuery(user: user, since: day, until: day.addingTimeInterval(86_399.999_999), after: after, limit: Self.dayPageSize)
        ).run(on: reader)
    }

    func search(_ query: LedgerQuery) async throws -> LedgerQuery.Page {
        var query = viewer.scoped(query)
        query.limit = Self.searchPageSize
        return try await query.run(on: reader)
    }

    /// The entries naming `resource`, up to ``maximumResourceEntries``; whether more exist.
    func resource(_ resource: String) async throws -> (entries: [LedgerEntry], truncated: Bool) {
        let entries = try await all(LedgerQuery(resource: resource, limit: 1_000), upTo: Self.maximumResourceEntries + 1)
        return (Array(entries.prefix(Self.maximumResourceEntries)), entries.count > Self.maximumResourceEntries)
    }

    private func all(_ query: LedgerQuery, upTo maximum: Int) async throws -> [LedgerEntry] {
        var query = viewer.scoped(query)
        var entries: [LedgerEntry] = []
        repeat {
            let page = try await query.run(on: reader)
            entries += page.entries
            query.after = page.nextCursor
        } while query.after != nil && entries.count < maximum
        return Array(entries.prefix(maximum))
    }

    /// The start (00:00 UTC) of the day `text` names (`2026-12-03`), or of today.
    static func day(_ text: String?, now: Date = Date()) -> Date? {
        guard let text else { return Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400) }
        guard text.count == 10, let date = try? Date("\(text)T00:00:00Z", strategy: .iso8601) else { return nil }
        return date
    }
}
