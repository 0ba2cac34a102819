import BatonCore
import BatonIdentity
import BatonStorage
import Crypto
import Foundation
import Logging
import Metrics

/// Baton's token vault: a hot in-memory tier in front of a sealed store (``VaultStore``:
/// SQLite embedded, PostgreSQL shared).
///
/// Every token at rest is sealed with AES-256-GCM under its user's data key, bound to its
/// entry key as associated data; every data key is wrapped by the keyring's master key.
/// Purging a user deletes their data key and rotates the master key, so no copy of the
/// database — a backup included — can unseal that user's tokens with the keys that remain.
/// Expired tokens are never served and are swept.
///
/// ```swift
/// let vault = try TokenVault.open(in: directory, store: SQLiteVaultStore(database: pool), environment: ProcessInfo.processInfo.environment)
/// let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault)
/// ```
public actor TokenVault: RefreshTokenStore {
    private let store: any VaultStore
    private let keyringPath: String
    private let sealingKey: SymmetricKey?
    private var keyring: VaultKeyring
    private var hot: HotTokenCache
    private var dataKeys: [String: SymmetricKey] = [:]
    private let metrics: (any MetricsFactory)?
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Lookups served per tier, and misses, since the vault opened.
    public private(set) var counters = VaultCounters()
    /// The part of `counters` not yet added to the database's totals.
    private var unflushed = VaultCounters()

    init(
        store: any VaultStore, keyring: VaultKeyring, keyringPath: String, sealingKey: SymmetricKey?, hotCapacity: Int,
        metrics: (any MetricsFactory)?,
        logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.keyring = keyring
        self.keyringPath = keyringPath
        self.sealingKey = sealingKey
        self.hot = HotTokenCache(capacity: hotCapacity)
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// Opens the vault on its store, reading (or creating) the keyring in `directory`.
    ///
    /// - Throws: ``VaultError`` when the keyring is sealed without `BATON_VAULT_KEY`, the key is
    ///   wrong, or the keyring does not match the stored data keys — never a garbage read.
    public static func open(
        in directory: DataDirectory, store: any VaultStore, environment: [String: String], hotCapacity: Int = 10_000,
        metrics: (any MetricsFactory)? = nil, logger: Logger = Logger(label: "baton.vault"), now: @escaping @Sendable () -> Date = Date.init
    ) throws -> TokenVault {
        let sealingKey = try VaultKeyring.sealingKey(from: environment)
        let path = directory.file(VaultKeyring.fileName)
        let keyring = try VaultKeyring.loadOrCreate(at: path, sealingKey: sealingKey)
        try keyring.check(against: store)
        return TokenVault(
            store: store, keyring: keyring, keyringPath: path, sealingKey: sealingKey, hotCapacity: hotCapacity, metrics: metrics, logger: logger,
            now: now)
    }

    // MARK: - TokenCache

    public func cachedToken(for key: VaultKey) async throws -> CachedToken? {
        let now = now()
        if let entry = hot.get(key, now: now) {
            record(.hot)
            return CachedToken(accessToken: entry.token, expiresAt: entry.expiresAt, source: .hot)
        }
        guard let row = try store.entry(key: key.bytes, kind: .access, unexpiredAt: now),
            let dataKey = try dataKey(tenantID: row.context.tenantID, objectID: row.context.objectID, create: false)
        else {
            record(nil)
            return nil
        }
        let token = try VaultKeyring.open(row.sealed, key: key, dataKey: dataKey)
        hot.put(
            key,
            .init(token: token, expiresAt: row.expiresAt, tenantID: row.context.tenantID, objectID: row.context.objectID, agent: row.context.agent))
        record(.store)
        return CachedToken(accessToken: token, expiresAt: row.expiresAt, source: .store)
    }

    public func store(_ token: ExchangedToken, for key: VaultKey, context: VaultEntryContext) async throws {
        guard token.expiresAt > now() else { return }
        let dataKey = try dataKey(tenantID: context.tenantID, objectID: context.objectID, create: true)!
        try store.put(try Self.entry(token.accessToken, kind: .access, key: key, expiresAt: token.expiresAt, context: context, dataKey: dataKey))
        hot.put(
            key,
            .init(token: token.accessToken, expiresAt: token.expiresAt, tenantID: context.tenantID, objectID: context.objectID, agent: context.agent))
    }

    public func storeRefreshToken(_ token: Secret, for key: VaultKey, context: VaultEntryContext, deadline: Date) async throws {
        let dataKey = try dataKey(tenantID: context.tenantID, objectID: context.objectID, create: true)!
        try store.put(try Self.entry(token, kind: .refresh, key: key, expiresAt: deadline, context: context, dataKey: dataKey))
    }

    public func refreshToken(for key: VaultKey) async throws -> (token: Secret, deadline: Date)? {
        guard let row = try store.entry(key: key.bytes, kind: .refresh, unexpiredAt: now()),
            let dataKey = try dataKey(tenantID: row.context.tenantID, objectID: row.context.objectID, create: false)
        else { return nil }
        return (try VaultKeyring.open(row.sealed, key: key, dataKey: dataKey), row.expiresAt)
    }

    public func remove(_ key: VaultKey) async throws {
        hot.remove(key)
        try store.remove(key: key.bytes)
    }

    // MARK: - Administration

    /// Destroys a user's data key and tokens, then rotates the master key so that no older
    /// copy of the database can unseal them. Returns the number of entries removed.
    public func purge(tenantID: String, objectID: String) throws -> Int {
        let removed = try store.purge(tenantID: tenantID.lowercased(), objectID: objectID.lowercased())
        hot.removeAll { $0.tenantID == tenantID.lowercased() && $0.objectID == objectID.lowercased() }
        dataKeys[Self.userKey(tenantID, objectID)] = nil
        try rotateMasterKey()
        logger.notice("vault purged a user", metadata: ["tid": "\(tenantID)", "oid": "\(objectID)", "entries": "\(removed)"])
        return removed
    }

    /// Removes every token an agent holds. Returns the number of entries removed.
    public func purge(agent: String) throws -> Int {
        hot.removeAll { $0.agent == agent }
        let removed = try store.purge(agent: agent)
        logger.notice("vault purged an agent", metadata: ["agent": "\(agent)", "entries": "\(removed)"])
        return removed
    }

    /// Adds a new master key, re-wraps every data key under it and forgets the old keys.
    /// Entries are not touched: they stay sealed under the same data keys.
    @discardableResult
    public func rotateMasterKey() throws -> Int {
        var next = keyring
        next.addActiveKey()
        try next.save(to: keyringPath, sealingKey: sealingKey)
        let rewrapped = try store.rewrapDataKeys(recording: try next.activeCheck()) { wrapped in
            try next.wrap(try next.unwrap(wrapped), tenantID: wrapped.tenantID, objectID: wrapped.objectID)
        }
        next.dropInactiveKeys()
        try next.save(to: keyringPath, sealingKey: sealingKey)
        keyring = next
        return rewrapped
    }

    /// Deletes expired entries from the store. Returns how many.
    public func sweepExpired() throws -> Int {
        try store.sweep(expiredAt: now())
    }

    /// Adds the lookups counted since the last flush to the totals `baton vault stats` reports.
    public func flushCounters() throws {
        guard unflushed != VaultCounters() else { return }
        try store.addLookups(unflushed)
        unflushed = VaultCounters()
    }

    /// The active master key's id (never the key).
    public var activeMasterKeyID: String { keyring.activeKeyID }

    // MARK: - Private

    private func dataKey(tenantID: String, objectID: String, create: Bool) throws -> SymmetricKey? {
        let id = Self.userKey(tenantID, objectID)
        if let key = dataKeys[id] { return key }
        let (tenant, object) = (tenantID.lowercased(), objectID.lowercased())
        let key: SymmetricKey
        if let wrapped = try store.wrappedDataKey(tenantID: tenant, objectID: object) {
            key = try keyring.unwrap(wrapped)
        } else {
            guard create else { return nil }
            // Another daemon on the same store may have created one meanwhile: the store keeps the first.
            key = try keyring.unwrap(try store.insertDataKey(try keyring.wrap(SymmetricKey(size: .bits256), tenantID: tenant, objectID: object)))
        }
        dataKeys[id] = key
        return key
    }

    private static func entry(
        _ token: Secret, kind: SealedEntry.Kind, key: VaultKey, expiresAt: Date, context: VaultEntryContext, dataKey: SymmetricKey
    ) throws -> SealedEntry {
        SealedEntry(
            key: key.bytes, kind: kind, context: context, expiresAt: expiresAt, sealed: try VaultKeyring.seal(token, key: key, dataKey: dataKey))
    }

    private func record(_ source: TokenSource?) {
        counters.record(source)
        unflushed.record(source)
        guard let metrics else { return }
        let outcome = source.map { "\($0.rawValue)_hit" } ?? "miss"
        Counter(label: "baton_vault_lookups_total", dimensions: [("outcome", outcome)], factory: metrics).increment()
    }

    private static func userKey(_ tenantID: String, _ objectID: String) -> String {
        "\(tenantID.lowercased()):\(objectID.lowercased())"
    }
}

/// Vault lookups since start: hits per tier and misses.
public struct VaultCounters: Sendable, Equatable {
    public var hotHits = 0
    public var storeHits = 0
    public var misses = 0

    mutating func record(_ source: TokenSource?) {
        switch source {
        case .hot: hotHits += 1
        case .store: storeHits += 1
        default: misses += 1
        }
    }
}
