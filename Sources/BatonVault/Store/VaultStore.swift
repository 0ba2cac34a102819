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
    func masterKeyChecks() async throws -> [MasterKeyCheck]
    /// How many users' data keys `masterKeyID` wraps.
    func dataKeyCount(wrappedBy masterKeyID: String) async throws -> Int
    /// Records a master key's check value unless it is recorded already.
    func recordMasterKey(_ check: MasterKeyCheck) async throws

    // MARK: Data keys

    /// A user's wrapped data key, if they have one.
    func wrappedDataKey(tenantID: String, objectID: String) async throws -> WrappedDataKey?
    /// Stores `key` unless its user has one already; returns the one the store keeps.
    /// Throws ``VaultError/keyringChanged`` when `key` is wrapped by a master key the store
    /// no longer records (another daemon rotated it).
    func insertDataKey(_ key: WrappedDataKey) async throws -> WrappedDataKey
    /// Re-wraps every data key with `rewrap` and leaves `active` the only master key
    /// recorded, all in one transaction; returns how many keys were re-wrapped. A store that
    /// keeps the keyring replaces the stored keyring `replacingKeyring.old` with `.new` in
    /// the same transaction, or throws ``VaultError/keyringChanged`` when another daemon
    /// replaced it first (and changes nothing).
    func rewrapDataKeys(
        recording active: MasterKeyCheck, replacingKeyring: (old: Data, new: Data)?,
        _ rewrap: @escaping @Sendable (WrappedDataKey) throws -> WrappedDataKey
    ) async throws -> Int

    // MARK: The keyring, in a store several daemons share

    /// Whether this store keeps the vault's keyring (sealed with `BATON_VAULT_KEY`), so that
    /// every daemon sharing it sees a rotation at once. When `false` the keyring is a file
    /// in the data directory and the two methods below are not called.
    var keepsKeyring: Bool { get }
    /// The stored keyring (as the vault encodes it), or `nil` before the first.
    func keyring() async throws -> Data?
    /// Stores `keyring` unless one is stored already; returns the one the store keeps.
    func insertKeyring(_ keyring: Data) async throws -> Data

    // MARK: Entries

    /// Stores `entry`, replacing one with the same key and kind.
    func put(_ entry: SealedEntry) async throws
    /// The entry under `key` and `kind` if it expires after `now`.
    func entry(key: [UInt8], kind: SealedEntry.Kind, unexpiredAt now: Date) async throws -> SealedEntry?
    func remove(key: [UInt8]) async throws
    /// Deletes a user's entries and data key; returns how many entries went.
    func purge(tenantID: String, objectID: String) async throws -> Int
    /// Deletes the entries an agent holds; returns how many.
    func purge(agent: String) async throws -> Int
    /// Deletes entries that expired at or before `now`; returns how many.
    func sweep(expiredAt now: Date) async throws -> Int

    // MARK: Reporting

    /// Adds lookups counted in memory to the totals `baton vault stats` reports.
    func addLookups(_ counters: VaultCounters) async throws
    /// Entries (never their sealed bytes), soonest expiry first, optionally for one user (username or object id) or agent.
    func entries(user: String?, agent: String?) async throws -> [VaultCatalog.Entry]
    /// The (tenant, object id) pairs a username or object id names.
    func users(matching user: String) async throws -> [(tenantID: String, objectID: String)]
    func statistics(now: Date) async throws -> VaultCatalog.Statistics

    // MARK: Other daemons

    /// Whether daemons share this store and coordinate their exchanges through it.
    var coordinatesExchanges: Bool { get }
    /// Claims the exchange for `key` for at most `lease`: `true` when this daemon should
    /// exchange, `false` while another daemon's unexpired claim stands.
    func claimExchange(_ key: [UInt8], lease: Duration) async throws -> Bool
    /// Ends this daemon's claim on `key`.
    func releaseExchange(_ key: [UInt8]) async throws
    /// Whether another daemon's unexpired claim on `key` stands.
    func isExchanging(_ key: [UInt8]) async throws -> Bool

    /// Purges other daemons sharing this store made, as they happen, so this daemon drops
    /// what it holds in memory for them; `nil` for a store one daemon uses alone.
    func purgeNotices() -> AsyncStream<PurgeNotice>?
}

extension VaultStore {
    public var keepsKeyring: Bool { false }
    public func keyring() async throws -> Data? { nil }
    public func insertKeyring(_ keyring: Data) async throws -> Data { keyring }
    public func purgeNotices() -> AsyncStream<PurgeNotice>? { nil }
    public var coordinatesExchanges: Bool { false }
    public func claimExchange(_ key: [UInt8], lease: Duration) async throws -> Bool { true }
    public func releaseExchange(_ key: [UInt8]) async throws {}
    public func isExchanging(_ key: [UInt8]) async throws -> Bool { false }
}

/// A purge another daemon made, as a shared store reports it.
public enum PurgeNotice: Sendable, Equatable {
    /// A user's tokens and data key were destroyed.
    case user(tenantID: String, objectID: String)
    /// An agent's tokens were removed.
    case agent(String)
    /// Notices may have been missed (the connection that carries them was lost): drop
    /// everything held in memory.
    case unknown
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
