import Foundation
import GRDB

/// Aggregates that answer "who touched this resource".
public struct LedgerSummary: Sendable, Equatable {
    /// The user (username, else object id).
    public var user: String
    /// The agents it went through, front door first.
    public var actorPath: String
    public var count: Int
    public var last: Date

    /// Every user and agent path that touched `resource`, most recent first.
    public static func who(resource: String, reader: any DatabaseReader) throws -> [LedgerSummary] {
        try reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(user_name, user_oid, '-') AS who, actor_path, count(*) AS n, max(ts_us) AS last
                    FROM ledger_entries WHERE resource = ? GROUP BY user_oid, actor_path ORDER BY last DESC
                    """,
                arguments: [resource]
            ).map { row in
                LedgerSummary(
                    user: row["who"], actorPath: (row["actor_path"] as String).replacingOccurrences(of: LedgerEntry.pathSeparator, with: " → "),
                    count: row["n"], last: Date(timeIntervalSince1970: TimeInterval(row["last"] as Int64) / 1_000_000))
            }
        }
    }
}
