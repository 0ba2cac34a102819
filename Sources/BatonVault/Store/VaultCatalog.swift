import BatonCore
import Foundation

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

    let store: any VaultStore

    public init(store: any VaultStore) {
        self.store = store
    }

    /// Entries, soonest expiry first, optionally for one user (username or object id) or agent.
    public func entries(user: String? = nil, agent: String? = nil) async throws -> [Entry] {
        try await store.entries(user: user, agent: agent)
    }

    /// The (tenant, object id) pairs a username or object id names.
    public func users(matching user: String) async throws -> [(tenantID: String, objectID: String)] {
        try await store.users(matching: user)
    }

    public func statistics(now: Date = Date()) async throws -> Statistics {
        try await store.statistics(now: now)
    }
}
