import Foundation

/// Aggregates that answer "who touched this resource".
public struct LedgerSummary: Sendable, Equatable {
    /// The user (username, else object id).
    public var user: String
    /// The agents it went through, front door first.
    public var actorPath: String
    public var count: Int
    public var last: Date

    /// Every user and agent path that touched `resource`, most recent first.
    public static func who(resource: String, reader: LedgerReader) async throws -> [LedgerSummary] {
        struct Group: Hashable {
            let objectID: String?
            let actorPath: [String]
        }
        var summaries: [Group: LedgerSummary] = [:]
        var query = LedgerQuery(resource: resource, limit: 1_000)
        repeat {
            let page = try await query.run(on: reader)
            for entry in page.entries {
                let group = Group(objectID: entry.user?.objectID, actorPath: entry.actorPath)
                let time = Date(timeIntervalSince1970: TimeInterval(entry.timestamp) / 1_000_000)
                var summary =
                    summaries[group]
                    ?? LedgerSummary(
                        user: entry.user.map { $0.username ?? $0.objectID } ?? "-", actorPath: entry.actorPath.joined(separator: " → "), count: 0,
                        last: time)
                summary.count += 1
                summary.last = max(summary.last, time)
                summaries[group] = summary
            }
            query.after = page.nextCursor
        } while query.after != nil
        return summaries.values.sorted { $0.last > $1.last }
    }
}
