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
/// let vault = try await TokenVault.open(in: directory, store: SQLiteVaultStore(database: pool), environment: ProcessInfo.processInfo.environment)
/// let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault)
/// ```
public actor TokenVault: RefreshTokenStore {
    private let store: any VaultStore
    /// The keyring file; `nil` when the store keeps the keyring (several daemons share it).
    private let keyringPath: String?
    private let sealingKey: SymmetricKey?
    private var keyring: VaultKeyring
    /// The keyring as the store keeps it, when it does: a rotation replaces exactly this.
    private var storedKeyring: Data?
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
        store: any VaultStore, keyring: VaultKeyring, keyringPath: String?, storedKeyring: Data?, sealingKey: SymmetricKey?, hotCapacity: Int,
        metrics: (any MetricsFactory)?,
        logger: Logger, now: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.keyring = keyring
        self.keyringPath = keyringPath
        self.storedKeyring = storedKeyring
        self.sealingKey = sealingKey
        self.hot = HotTokenCache(capacity: hotCapacity)
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// Opens the vault on its store, reading (or creating) the keyring: the file in
    /// `directory`, or the one the store keeps when several daemons share it.
    ///
    /// - Throws: ``VaultError`` when the keyring is sealed without `BATON_VAULT_KEY` (a shared
    ///   store's always is), the key is wrong, or the keyring does not match the stored data
    ///   keys — never a garbage read.
    public static func open(
        in directory: DataDirectory, store: any VaultStore, environment: [String: String], hotCapacity: Int = 10_000,
        metrics: (any MetricsFactory)? = nil, logger: Logger = Logger(label: "baton.vault"), now: @escaping @Sendable () -> Date = Date.init
    ) async throws -> TokenVault {
        let sealingKey = try VaultKeyring.sealingKey(from: environment)
        let keyring: VaultKeyring
        var path: String?
        var stored: Data?
        if store.keepsKeyring {
            guard let sealingKey else { throw VaultError.sharedKeyringNeedsKey }
            var kept = try await store.keyring()
            if kept == nil {
                // Two daemons starting on an empty store: the store keeps the first keyring.
                kept = try await store.insertKeyring(try VaultKeyring.generate().encoded(sealingKey: sealingKey, source: sharedKeyring))
            }
            guard let kept else { throw VaultError.sharedKeyringNeedsKey }
            keyring = try VaultKeyring.decode(kept, sealingKey: sealingKey, source: sharedKeyring).0
            stored = kept
        } else {
            path = directory.file(VaultKeyring.fileName)
            keyring = try VaultKeyring.loadOrCreate(at: path!, sealingKey: sealingKey)
        }
        try await keyring.check(against: store)
        return TokenVault(
            store: store, keyring: keyring, keyringPath: path, storedKeyring: stored, sealingKey: sealingKey, hotCapacity: hotCapacity,
            metrics: metrics, logger: logger, now: now)
    }

    /// How the keyring a shared store keeps is named in errors.
    private static let sharedKeyring = "(the keyring kept in the shared store)"

    // MARK: - TokenCache

    public func cachedToken(for key: VaultKey) async throws -> CachedToken? {
        let found = try await lookUp(key)
        record(found?.source)
        return found
    }

    /// The unexpired token under `key`, from the hot tier or the store (which then warms the hot tier); not counted.
    private func lookUp(_ key: VaultKey) async throws -> CachedToken? {
        let now = now()
        if let entry = hot.get(key, now: now) {
            return CachedToken(accessToken: entry.token, expiresAt: entry.expiresAt, source: .hot)
        }
        guard let row = try await store.entry(key: key.bytes, kind: .access, unexpiredAt: now),
            let dataKey = try await dataKey(tenantID: row.context.tenantID, objectID: row.context.objectID, create: false)
        else { return nil }
        let token = try VaultKeyring.open(row.sealed, key: key, dataKey: dataKey)
        hot.put(
            key,
            .init(token: token, expiresAt: row.expiresAt, tenantID: row.context.tenantID, objectID: row.context.objectID, agent: row.context.agent))
        return CachedToken(accessToken: token, expiresAt: row.expiresAt, source: .store)
    }

    public func store(_ token: ExchangedToken, for key: VaultKey, context: VaultEntryContext) async throws {
        guard token.expiresAt > now() else { return }
        let dataKey = try await dataKey(tenantID: context.tenantID, objectID: context.objectID, create: true)!
        try await store.put(
            try Self.entry(token.accessToken, kind: .access, key: key, expiresAt: token.expiresAt, context: context, dataKey: dataKey))
        hot.put(
            key,
            .init(token: token.accessToken, expiresAt: token.expiresAt, tenantID: context.tenantID, objectID: context.objectID, agent: context.agent))
    }

    public func storeRefreshToken(_ token: Secret, for key: VaultKey, context: VaultEntryContext, deadline: Date) async throws {
        let dataKey = try await dataKey(tenantID: context.tenantID, objectID: context.objectID, create: true)!
        try await store.put(try Self.entry(token, kind: .refresh, key: key, expiresAt: deadline, context: context, dataKey: dataKey))
    }

    public func refreshToken(for key: VaultKey) async throws -> (token: Secret, deadline: Date)? {
        guard let row = try await store.entry(key: key.bytes, kind: .refresh, unexpiredAt: now()),
            let dataKey = try await dataKey(tenantID: row.context.tenantID, objectID: row.context.objectID, create: false)
        else { return nil }
        return (try VaultKeyring.open(row.sealed, key: key, dataKey: dataKey), row.expiresAt)
    }

    /// On a store daemons share, one daemon exchanges for `key` while the others wait for
    /// the token it stores (polling the store every ``exchangeWaitStep``); a daemon that
    /// died mid-exchange loses its claim after ``exchangeLease``. On a store one daemon uses,
    /// runs `exchange`.
    public func exchangeOnce(for key: VaultKey, freshAfter: Date, _ exchange: @escaping @Sendable () async throws -> ExchangedToken) async throws
        -> SharedExchange
    {
        guard store.coordinatesExchanges else { return .exchanged(try await exchange()) }
        while true {
            if try await store.claimExchange(key.bytes, lease: Self.exchangeLease) {
                do {
                    // Another daemon may have stored a token between this one's miss and its claim.
                    if let stored = try await fresh(key, after: freshAfter) {
                        try await store.releaseExchange(key.bytes)
                        return .storedByAnother(stored)
                    }
                    let token = try await exchange()
                    try await store.releaseExchange(key.bytes)
                    return .exchanged(token)
                } catch {
                    try? await store.releaseExchange(key.bytes)
                    throw error
                }
            }
            while try await store.isExchanging(key.bytes) {
                if let stored = try await fresh(key, after: freshAfter) { return .storedByAnother(stored) }
                try await Task.sleep(for: Self.exchangeWaitStep)
            }
            if let stored = try await fresh(key, after: freshAfter) { return .storedByAnother(stored) }
            // The other daemon's exchange failed or lapsed: claim it for this one.
        }
    }

    /// How long a daemon's claim on an exchange stands, and how often a waiting daemon looks.
    public static let exchangeLease = Duration.seconds(30)
    public static let exchangeWaitStep = Duration.milliseconds(20)

    /// The stored token for `key` if it expires after `date`.
    private func fresh(_ key: VaultKey, after date: Date) async throws -> CachedToken? {
        guard let found = try await lookUp(key), found.expiresAt > date else { return nil }
        record(found.source)
        return found
    }

    public func remove(_ key: VaultKey) async throws {
        hot.remove(key)
        try await store.remove(key: key.bytes)
    }

    // MARK: - Administration

    /// Destroys a user's data key and tokens, then rotates the master key so that no older
    /// copy of the database can unseal them. Returns the number of entries removed.
    public func purge(tenantID: String, objectID: String) async throws -> Int {
        let removed = try await store.purge(tenantID: tenantID.lowercased(), objectID: objectID.lowercased())
        forget(.user(tenantID: tenantID, objectID: objectID))
        try await rotateMasterKey()
        logger.notice("vault purged a user", metadata: ["tid": "\(tenantID)", "oid": "\(objectID)", "entries": "\(removed)"])
        return removed
    }

    /// Removes every token an agent holds. Returns the number of entries removed.
    public func purge(agent: String) async throws -> Int {
        forget(.agent(agent))
        let removed = try await store.purge(agent: agent)
        logger.notice("vault purged an agent", metadata: ["agent": "\(agent)", "entries": "\(removed)"])
        return removed
    }

    /// Adds a new master key, re-wraps every data key under it and forgets the old keys.
    /// Entries are not touched: they stay sealed under the same data keys.
    @discardableResult
    public func rotateMasterKey() async throws -> Int {
        guard let keyringPath else { return try await rotateSharedMasterKey() }
        var next = keyring
        next.addActiveKey()
        try next.save(to: keyringPath, sealingKey: sealingKey)
        let rewrapping = next
        let rewrapped = try await store.rewrapDataKeys(recording: try next.activeCheck(), replacingKeyring: nil) { wrapped in
            try rewrapping.wrap(try rewrapping.unwrap(wrapped), tenantID: wrapped.tenantID, objectID: wrapped.objectID)
        }
        next.dropInactiveKeys()
        try next.save(to: keyringPath, sealingKey: sealingKey)
        keyring = next
        return rewrapped
    }

    /// Rotates the master key of a keyring the store keeps: the new keyring (the new key
    /// only) replaces the stored one in the transaction that re-wraps every data key, so
    /// every daemon sharing the store reads a keyring that opens every data key. When
    /// another daemon rotated first, reads its keyring and rotates again.
    private func rotateSharedMasterKey() async throws -> Int {
        for _ in 0..<5 {
            var next = keyring
            next.addActiveKey()
            var kept = next
            kept.dropInactiveKeys()
            let replacement = try kept.encoded(sealingKey: sealingKey, source: Self.sharedKeyring)
            let rewrapping = next
            do {
                let rewrapped = try await store.rewrapDataKeys(
                    recording: try next.activeCheck(), replacingKeyring: (storedKeyring ?? Data(), replacement)
                ) { wrapped in
                    try rewrapping.wrap(try rewrapping.unwrap(wrapped), tenantID: wrapped.tenantID, objectID: wrapped.objectID)
                }
                keyring = kept
                storedKeyring = replacement
                return rewrapped
            } catch VaultError.keyringChanged {
                try await reloadKeyring()
            }
        }
        throw VaultError.keyringChanged
    }

    /// Reads the keyring the store keeps again (another daemon rotated it).
    private func reloadKeyring() async throws {
        guard keyringPath == nil, let kept = try await store.keyring() else { return }
        keyring = try VaultKeyring.decode(kept, sealingKey: sealingKey, source: Self.sharedKeyring).0
        storedKeyring = kept
    }

    /// Drops what this daemon holds in memory for a purge (its own, or another daemon's on
    /// a shared store): the hot tier's tokens and the unwrapped data keys.
    public func forget(_ notice: PurgeNotice) {
        switch notice {
        case .user(let tenantID, let objectID):
            hot.removeAll { $0.tenantID == tenantID.lowercased() && $0.objectID == objectID.lowercased() }
            dataKeys[Self.userKey(tenantID, objectID)] = nil
        case .agent(let agent):
            hot.removeAll { $0.agent == agent }
        case .unknown:
            hot.removeAll { _ in true }
            dataKeys.removeAll()
        }
    }

    /// Follows the purges other daemons sharing the store make, until the task is cancelled
    /// (returns at once for a store one daemon uses alone).
    public func followPurges() async {
        guard let notices = store.purgeNotices() else { return }
        for await notice in notices {
            forget(notice)
            logger.info("vault dropped what it held for another daemon's purge", metadata: ["purge": "\(notice)"])
        }
    }

    /// Deletes expired entries from the store. Returns how many.
    public func sweepExpired() async throws -> Int {
        try await store.sweep(expiredAt: now())
    }

    /// Adds the lookups counted since the last flush to the totals `baton vault stats` reports.
    public func flushCounters() async throws {
        guard unflushed != VaultCounters() else { return }
        try await store.addLookups(unflushed)
        unflushed = VaultCounters()
    }

    /// The active master key's id (never the key).
    public var activeMasterKeyID: String { keyring.activeKeyID }

    /// What the vault holds, described without opening a seal (the audit console's overview).
    public nonisolated var catalog: VaultCatalog { VaultCatalog(store: store) }

    // MARK: - Private

    private func dataKey(tenantID: String, objectID: String, create: Bool) async throws -> SymmetricKey? {
        let id = Self.userKey(tenantID, objectID)
        if let key = dataKeys[id] { return key }
        let (tenant, object) = (tenantID.lowercased(), objectID.lowercased())
        let key: SymmetricKey
        if let wrapped = try await store.wrappedDataKey(tenantID: tenant, objectID: object) {
            key = try await unwrap(wrapped)
        } else {
            guard create else { return nil }
            let fresh = SymmetricKey(size: .bits256)
            let kept: WrappedDataKey
            do {
                // Another daemon on the same store may have created one meanwhile: the store keeps the first.
                kept = try await store.insertDataKey(try keyring.wrap(fresh, tenantID: tenant, objectID: object))
            } catch VaultError.keyringChanged {
                try await reloadKeyring()
                kept = try await store.insertDataKey(try keyring.wrap(fresh, tenantID: tenant, objectID: object))
            }
            key = try await unwrap(kept)
        }
        dataKeys[id] = key
        return key
    }

    /// The data key inside `wrapped`, reading a shared keyring again when another daemon
    /// re-wrapped it under a master key this one has not seen.
    private func unwrap(_ wrapped: WrappedDataKey) async throws -> SymmetricKey {
        if keyring.key(wrapped.masterKeyID) == nil { try await reloadKeyring() }
        return try keyring.unwrap(wrapped)
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
