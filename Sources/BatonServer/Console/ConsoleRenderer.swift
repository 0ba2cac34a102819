import BatonLedger
import Foundation

/// Console pages rendered without HTTP, for an auditor: the same reads and the same
/// templates the routes use, so `baton bench console` measures the server's own time.
public struct ConsoleRenderer: Sendable {
    let queries: ConsoleQueries

    public init(reader: LedgerReader) {
        let auditor = ConsoleViewer(tenantID: "-", objectID: "-", username: nil, name: "auditor", isAuditor: true)
        queries = ConsoleQueries(reader: reader, viewer: auditor)
    }

    /// The chain page's HTML.
    public func chainPage(_ chainID: String) async throws -> String {
        let entries = try await queries.chain(chainID)
        return ChainPage(chainID: chainID, entries: entries, proofAvailable: true).html(layout: ConsoleLayout(session: nil, verification: nil)).markup
    }

    /// The first page of a user's day (UTC).
    public func userDayPage(_ user: String, day: Date) async throws -> String {
        let page = try await queries.day(of: user, starting: day, after: nil)
        return UserDayPage(user: user, day: day, entries: page.entries, nextCursor: page.nextCursor)
            .html(layout: ConsoleLayout(session: nil, verification: nil), isOwnDay: false).markup
    }
}
