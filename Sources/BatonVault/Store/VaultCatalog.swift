import BatonCore
import Foundation
import GRDB

/// What the vault holds, described without opening a single seal: for `baton vault list`
/// and `baton vault stats`, which need no key.
public struct VaultCatalog: Sendable {
    /// One entry as the CLI lists it. No token, no key.
    public struct Entry: Sendable, Codable, Equatable {
        public var kind: String
        public var tenantID: String
        public var objectID: String
        public var username: String?
        public var agent: String
        public var audience: String
        public var scopes: String
        public var expiresAt: Date
    }

    /// Counts for `baton vault stats`.
    public struct Statistics: Sendable, Codable, Equatable {
        public var accessTokens: Int
        public var refreshTokens: Int
        public var users: Int
        public var expiredAwaitingSweep: Int
        public var hotHits: Int
        public var storeHits: Int
        public var misses: Int

        /// Lookups served from either tier, as a fraction of all lookups.
        public var hitRate: Double? {
            let total = hotHits + storeHits + misses
            return total == 0 ? nil : Double(hotHits + storeHits) / Double(total)
        }
    }

    let reader: any DatabaseReader

    public init(reader: any DatabaseReader) {
        self.reader = reader
    }

    /// Entries, soonest expiry first, optionally for one user (username or object id) or agent.
    public func entries(user: String? = nil, agent: String? = nil) throws -> [Entry] {
        try reader.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let user {
                conditions.append("(lower(username) = lower(?) OR object_id = lower(?))")
                arguments += [user, user]
            }
            if let agent {
                conditions.append("agent = ?")
                arguments += [agent]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql:
                    "SELECT kind, tenant_id, object_id, username, agent, audience, scopes, expires_at FROM vault_entries \(filter) ORDER BY expires_at",
                arguments: arguments
            ).map { row in
                Entry(
                    kind: row["kind"], tenantID: row["tenant_id"], objectID: row["object_id"], username: row["username"], agent: row["agent"],
                    audience: row["audience"], scopes: row["scopes"], expiresAt: SealedTokenStore.date(row["expires_at"]))
            }
        }
    }

    /// The (tenant, object id) pairs a username or object id names.
    public func users(matching user: String) throws -> [(tenantID: String, objectID: String)] {
        try reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT tenant_id, object_id FROM vault_entries WHERE lower(username) = lower(?) OR object_id = lower(?)
                    UNION SELECT tenant_id, object_id FROM vault_user_keys WHERE object_id = lower(?)
                    """,
                arguments: [user, user, user]
            ).map { ($0["tenant_id"], $0["object_id"]) }
        }
    }

    public func statistics(now: Date = Date()) throws -> Statistics {
        try reader.read { db in
            let counters = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM vault_counters").map {
                    ($0["name"] as String, $0["value"] as Int)
                })
            return Statistics(
                accessTokens: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_entries WHERE kind = 'access'") ?? 0,
                refreshTokens: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_entries WHERE kind = 'refresh'") ?? 0,
                users: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_user_keys") ?? 0,
                expiredAwaitingSweep: try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM vault_entries WHERE expires_at <= ?", arguments: [SealedTokenStore.milliseconds(now)]) ?? 0,
                hotHits: counters["hot_hits"] ?? 0, storeHits: counters["store_hits"] ?? 0, misses: counters["misses"] ?? 0)
        }
    }
}
