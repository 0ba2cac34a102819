import BatonIdentity
import Foundation

/// Where the vault keeps what it sealed: the storage seam between ``TokenVault`` and an
/// engine (SQLite embedded; PostgreSQL for several daemons).
///
/// A store holds bytes it cannot read: entries sealed with their user's data key, data
/// keys wrapped by a master key, and per master key a check value sealed under it. All
/// cryptography stays in the vault; a store only keeps, finds and deletes, and each method
/// is one transaction.
public protocol VaultStore: Sendable {
    // MARK: Master keys

    /// The master keys recorded so far, with their check values.
    func masterKeyChecks() throws -> [MasterKeyCheck]
    /// How many users' data keys `masterKeyID` wraps.
    func dataKeyCount(wrappedBy masterKeyID: String) throws -> Int
    /// Records a master key's check value unless it is recorded already.
    func recordMasterKey(_ check: MasterKeyCheck) throws

    // MARK: Data keys

    /// A user's wrapped data key, if they have one.
    func wrappedDataKey(tenantID: String, objectID: String) throws -> WrappedDataKey?
    /// Stores `key` unless its user has one already; returns the one the store keeps.
    func insertDataKey(_ key: WrappedDataKey) throws -> WrappedDataKey
    /// Re-wraps every data key with `rewrap` and leaves `active` the only master key
    /// recorded, all in one transaction; returns how many keys were re-wrapped.
    func rewrapDataKeys(recording active: MasterKeyCheck, _ rewrap: (WrappedDataKey) throws -> WrappedDataKey) throws -> Int

    // MARK: Entries

    /// Stores `entry`, replacing one with the same key and kind.
    func put(_ entry: SealedEntry) throws
    /// The entry under `key` and `kind` if it expires after `now`.
    func entry(key: [UInt8], kind: SealedEntry.Kind, unexpiredAt now: Date) throws -> SealedEntry?
    func remove(key: [UInt8]) throws
    /// Deletes a user's entries and data key; returns how many entries went.
    func purge(tenantID: String, objectID: String) throws -> Int
    /// Deletes the entries an agent holds; returns how many.
    func purge(agent: String) throws -> Int
    /// Deletes entries that expired at or before `now`; returns how many.
    func sweep(expiredAt now: Date) throws -> Int

    // MARK: Reporting

    /// Adds lookups counted in memory to the totals `baton vault stats` reports.
    func addLookups(_ counters: VaultCounters) throws
    /// Entries (never their sealed bytes), soonest expiry first, optionally for one user (username or object id) or agent.
    func entries(user: String?, agent: String?) throws -> [VaultCatalog.Entry]
    /// The (tenant, object id) pairs a username or object id names.
    func users(matching user: String) throws -> [(tenantID: String, objectID: String)]
    func statistics(now: Date) throws -> VaultCatalog.Statistics
}

/// A master key's id and a constant sealed under it: proof, without the key, of which key it was.
public struct MasterKeyCheck: Sendable, Equatable {
    public var keyID: String
    public var check: Data

    public init(keyID: String, check: Data) {
        self.keyID = keyID
        self.check = check
    }
}

/// A user's data key, wrapped (sealed) by a master key.
public struct WrappedDataKey: Sendable, Equatable {
    public var tenantID: String
    public var objectID: String
    public var wrapped: Data
    public var masterKeyID: String

    public init(tenantID: String, objectID: String, wrapped: Data, masterKeyID: String) {
        self.tenantID = tenantID
        self.objectID = objectID
        self.wrapped = wrapped
        self.masterKeyID = masterKeyID
    }
}

/// One vault entry: a token sealed with its user's data key, and who and what it is for.
public struct SealedEntry: Sendable, Equatable {
    /// What the entry holds.
    public enum Kind: String, Sendable {
        case access
        case refresh
    }

    /// The vault key's bytes (a hash; never the token).
    public var key: [UInt8]
    public var kind: Kind
    /// The user, the agent that holds the token, its audience and scopes.
    public var context: VaultEntryContext
    public var expiresAt: Date
    public var sealed: Data

    public init(key: [UInt8], kind: Kind, context: VaultEntryContext, expiresAt: Date, sealed: Data) {
        self.key = key
        self.kind = kind
        self.context = context
        self.expiresAt = expiresAt
        self.sealed = sealed
    }
}
