import BatonCore
import BatonIdentity
import BatonStorage
import Foundation
import Logging
internal import NIOCore
import PostgresNIO

/// The vault's store in PostgreSQL (migrations `postgres/vault/`), shared by every daemon on
/// the schema: one exchange per user and audience, not one per daemon.
///
/// The store keeps the keyring itself (sealed with `BATON_VAULT_KEY`): a rotation replaces
/// it in the transaction that re-wraps every data key, so every daemon can open every data
/// key. A purge notifies the `vault` channel, so the other daemons drop the purged user's
/// tokens and data key from memory as soon as it commits (``purgeNotices()``).
public struct PostgresVaultStore: VaultStore {
    private let database: PostgresStorage
    /// Names this daemon's exchange claims.
    private let daemonID: String
    private var logger: Logger { database.logger }

    /// A store on a migrated database (``PostgresMigrator``).
    public init(database: PostgresStorage, daemonID: String = UUIDv7.make()) {
        self.database = database
        self.daemonID = daemonID
    }

    private var channel: String { database.channel("vault") }

    // MARK: - Master keys

    public func masterKeyChecks() async throws -> [MasterKeyCheck] {
        var checks: [MasterKeyCheck] = []
        for try await (id, check) in try await database.query("SELECT key_id, key_check FROM vault_master_keys").decode((String, ByteBuffer).self) {
            checks.append(MasterKeyCheck(keyID: id, check: Data(buffer: check)))
        }
        return checks
    }

    public func dataKeyCount(wrappedBy masterKeyID: String) async throws -> Int {
        try await count("SELECT count(*) FROM vault_user_keys WHERE master_key_id = \(masterKeyID)")
    }

    public func recordMasterKey(_ check: MasterKeyCheck) async throws {
        try await database.query(
            "INSERT INTO vault_master_keys (key_id, key_check) VALUES (\(check.keyID), \(ByteBuffer(data: check.check))) ON CONFLICT DO NOTHING"
        ).drain()
    }

    // MARK: - The keyring

    public var keepsKeyring: Bool { true }

    public func keyring() async throws -> Data? {
        try await database.query("SELECT keyring FROM vault_keyring").decode(ByteBuffer.self).elements().first.map { Data(buffer: $0) }
    }

    public func insertKeyring(_ keyring: Data) async throws -> Data {
        try await database.query("INSERT INTO vault_keyring (keyring) VALUES (\(ByteBuffer(data: keyring))) ON CONFLICT DO NOTHING").drain()
        guard let kept = try await self.keyring() else { throw VaultError.storage("the stored keyring vanished as it was written") }
        return kept
    }

    // MARK: - Data keys

    public func wrappedDataKey(tenantID: String, objectID: String) async throws -> WrappedDataKey? {
        let rows = try await database.query(
            "SELECT wrapped_key, master_key_id FROM vault_user_keys WHERE tenant_id = \(tenantID) AND object_id = \(objectID)")
        return try await rows.decode((ByteBuffer, String).self).elements().first.map { wrapped, master in
            WrappedDataKey(tenantID: tenantID, objectID: objectID, wrapped: Data(buffer: wrapped), masterKeyID: master)
        }
    }

    public func insertDataKey(_ key: WrappedDataKey) async throws -> WrappedDataKey {
        do {
            try await database.query(
                """
                INSERT INTO vault_user_keys (tenant_id, object_id, wrapped_key, master_key_id)
                VALUES (\(key.tenantID), \(key.objectID), \(ByteBuffer(data: key.wrapped)), \(key.masterKeyID)) ON CONFLICT DO NOTHING
                """
            ).drain()
        } catch let error as StorageError where Self.isForeignKeyViolation(error) {
            throw VaultError.keyringChanged
        }
        return try await wrappedDataKey(tenantID: key.tenantID, objectID: key.objectID) ?? key
    }

    public func rewrapDataKeys(
        recording active: MasterKeyCheck, replacingKeyring: (old: Data, new: Data)?,
        _ rewrap: @escaping @Sendable (WrappedDataKey) throws -> WrappedDataKey
    ) async throws -> Int {
        try await database.transaction { connection in
            let logger = logger
            let stored = try await connection.rows("SELECT keyring FROM vault_keyring FOR UPDATE", logger: logger).decode(ByteBuffer.self).elements()
                .first.map { Data(buffer: $0) }
            if let replacingKeyring, stored != replacingKeyring.old { throw VaultError.keyringChanged }
            // Holds off data keys being added under a master key this rotation removes.
            try await connection.rows("SELECT key_id FROM vault_master_keys FOR UPDATE", logger: logger).drain()
            try await connection.rows(
                "INSERT INTO vault_master_keys (key_id, key_check) VALUES (\(active.keyID), \(ByteBuffer(data: active.check))) ON CONFLICT DO NOTHING",
                logger: logger
            ).drain()
            var rewrapped: [WrappedDataKey] = []
            let rows = try await connection.rows("SELECT tenant_id, object_id, wrapped_key, master_key_id FROM vault_user_keys", logger: logger)
            for try await (tenant, object, wrapped, master) in rows.decode((String, String, ByteBuffer, String).self) {
                rewrapped.append(try rewrap(WrappedDataKey(tenantID: tenant, objectID: object, wrapped: Data(buffer: wrapped), masterKeyID: master)))
            }
            if !rewrapped.isEmpty {
                try await connection.rows(
                    """
                    UPDATE vault_user_keys u SET wrapped_key = k.wrapped, master_key_id = k.master
                    FROM unnest(\(rewrapped.map(\.tenantID))::text[], \(rewrapped.map(\.objectID))::text[],
                                \(rewrapped.map { ByteBuffer(data: $0.wrapped) })::bytea[], \(rewrapped.map(\.masterKeyID))::text[])
                         AS k(tenant, object, wrapped, master)
                    WHERE u.tenant_id = k.tenant AND u.object_id = k.object
                    """, logger: logger
                ).drain()
            }
            try await connection.rows("DELETE FROM vault_master_keys WHERE key_id <> \(active.keyID)", logger: logger).drain()
            if let replacingKeyring {
                try await connection.rows(
                    """
                    INSERT INTO vault_keyring (keyring) VALUES (\(ByteBuffer(data: replacingKeyring.new)))
                    ON CONFLICT (singleton) DO UPDATE SET keyring = excluded.keyring, updated_at = now()
                    """, logger: logger
                ).drain()
            }
            return rewrapped.count
        }
    }

    // MARK: - Entries

    public func put(_ entry: SealedEntry) async throws {
        let context = entry.context
        try await database.query(
            """
            INSERT INTO vault_entries (entry_key, kind, tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed)
            VALUES (\(ByteBuffer(bytes: entry.key)), \(entry.kind.rawValue), \(context.tenantID), \(context.objectID), \(context.username),
                    \(context.agent), \(context.audience), \(context.scopes.canonical), \(Self.milliseconds(entry.expiresAt)),
                    \(ByteBuffer(data: entry.sealed)))
            ON CONFLICT (entry_key) DO UPDATE SET kind = excluded.kind, tenant_id = excluded.tenant_id, object_id = excluded.object_id,
                username = excluded.username, agent = excluded.agent, audience = excluded.audience, scopes = excluded.scopes,
                expires_at = excluded.expires_at, sealed = excluded.sealed, created_at = now()
            """
        ).drain()
    }

    public func entry(key: [UInt8], kind: SealedEntry.Kind, unexpiredAt now: Date) async throws -> SealedEntry? {
        let rows = try await database.query(
            """
            SELECT tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed FROM vault_entries
            WHERE entry_key = \(ByteBuffer(bytes: key)) AND kind = \(kind.rawValue) AND expires_at > \(Self.milliseconds(now))
            """)
        let found = try await rows.decode((String, String, String?, String, String, String, Int64, ByteBuffer).self).elements()
        if let (tenant, object, username, agent, audience, scopes, expires, sealed) = found.first {
            return SealedEntry(
                key: key, kind: kind,
                context: VaultEntryContext(
                    tenantID: tenant, objectID: object, username: username, agent: agent, audience: audience,
                    scopes: ScopeSet(scopes.split(separator: " ").map(String.init))),
                expiresAt: Self.date(expires), sealed: Data(buffer: sealed))
        }
        return nil
    }

    public func remove(key: [UInt8]) async throws {
        try await database.query("DELETE FROM vault_entries WHERE entry_key = \(ByteBuffer(bytes: key))").drain()
    }

    public func purge(tenantID: String, objectID: String) async throws -> Int {
        let logger = logger
        let channel = channel
        return try await database.transaction { connection in
            let removed =
                try await connection.rows(
                    "WITH gone AS (DELETE FROM vault_entries WHERE tenant_id = \(tenantID) AND object_id = \(objectID) RETURNING 1) SELECT count(*) FROM gone",
                    logger: logger
                ).decode(Int64.self).elements().first ?? 0
            try await connection.rows("DELETE FROM vault_user_keys WHERE tenant_id = \(tenantID) AND object_id = \(objectID)", logger: logger).drain()
            try await connection.rows(
                "SELECT pg_notify(\(channel), \(PurgeNotice.user(tenantID: tenantID, objectID: objectID).payload))", logger: logger
            )
            .drain()
            return Int(removed)
        }
    }

    public func purge(agent: String) async throws -> Int {
        let logger = logger
        let channel = channel
        return try await database.transaction { connection in
            let removed =
                try await connection.rows(
                    "WITH gone AS (DELETE FROM vault_entries WHERE agent = \(agent) RETURNING 1) SELECT count(*) FROM gone", logger: logger
                ).decode(Int64.self).elements().first ?? 0
            try await connection.rows("SELECT pg_notify(\(channel), \(PurgeNotice.agent(agent).payload))", logger: logger).drain()
            return Int(removed)
        }
    }

    public func sweep(expiredAt now: Date) async throws -> Int {
        try await count(
            "WITH gone AS (DELETE FROM vault_entries WHERE expires_at <= \(Self.milliseconds(now)) RETURNING 1) SELECT count(*) FROM gone")
    }

    // MARK: - Reporting

    public func addLookups(_ counters: VaultCounters) async throws {
        for (name, value) in [("hot_hits", counters.hotHits), ("store_hits", counters.storeHits), ("misses", counters.misses)] where value > 0 {
            try await database.query(
                """
                INSERT INTO vault_counters (name, value) VALUES (\(name), \(Int64(value)))
                ON CONFLICT (name) DO UPDATE SET value = vault_counters.value + excluded.value
                """
            ).drain()
        }
    }

    public func entries(user: String?, agent: String?) async throws -> [VaultCatalog.Entry] {
        let rows = try await database.query(
            """
            SELECT kind, tenant_id, object_id, username, agent, audience, scopes, expires_at FROM vault_entries
            WHERE (\(user)::text IS NULL OR lower(username) = lower(\(user)) OR object_id = lower(\(user)))
              AND (\(agent)::text IS NULL OR agent = \(agent))
            ORDER BY expires_at
            """)
        var entries: [VaultCatalog.Entry] = []
        for try await (kind, tenant, object, username, agent, audience, scopes, expires) in rows.decode(
            (String, String, String, String?, String, String, String, Int64).self)
        {
            entries.append(
                VaultCatalog.Entry(
                    kind: kind, tenantID: tenant, objectID: object, username: username, agent: agent, audience: audience, scopes: scopes,
                    expiresAt: Self.date(expires)))
        }
        return entries
    }

    public func users(matching user: String) async throws -> [(tenantID: String, objectID: String)] {
        let rows = try await database.query(
            """
            SELECT DISTINCT tenant_id, object_id FROM vault_entries WHERE lower(username) = lower(\(user)) OR object_id = lower(\(user))
            UNION SELECT tenant_id, object_id FROM vault_user_keys WHERE object_id = lower(\(user))
            """)
        return try await rows.decode((String, String).self).elements().map { (tenantID: $0.0, objectID: $0.1) }
    }

    public func statistics(now: Date) async throws -> VaultCatalog.Statistics {
        let rows = try await database.query(
            """
            SELECT (SELECT count(*) FROM vault_entries WHERE kind = 'access'), (SELECT count(*) FROM vault_entries WHERE kind = 'refresh'),
                   (SELECT count(*) FROM vault_user_keys), (SELECT count(*) FROM vault_entries WHERE expires_at <= \(Self.milliseconds(now))),
                   coalesce((SELECT value FROM vault_counters WHERE name = 'hot_hits'), 0),
                   coalesce((SELECT value FROM vault_counters WHERE name = 'store_hits'), 0),
                   coalesce((SELECT value FROM vault_counters WHERE name = 'misses'), 0)
            """)
        if let (access, refresh, users, expired, hot, store, misses) = try await rows.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64).self)
            .elements().first
        {
            return VaultCatalog.Statistics(
                accessTokens: Int(access), refreshTokens: Int(refresh), users: Int(users), expiredAwaitingSweep: Int(expired), hotHits: Int(hot),
                storeHits: Int(store), misses: Int(misses))
        }
        throw VaultError.storage("the statistics query answered no row")
    }

    // MARK: - Other daemons' purges

    /// Listens on the `vault` channel on a connection of its own for as long as the stream
    /// is read, connecting again after a failure. Every (re)connection yields
    /// ``PurgeNotice/unknown`` first: notices sent while no connection listened are lost,
    /// so the vault drops everything it holds in memory rather than keep a purged token.
    public func purgeNotices() -> AsyncStream<PurgeNotice>? {
        let (stream, continuation) = AsyncStream.makeStream(of: PurgeNotice.self)
        let database = database
        let channel = channel
        let listening = Task {
            var delay = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await database.withConnection(bounded: false) { connection in
                        try await connection.listen(on: channel) { notifications in
                            continuation.yield(.unknown)
                            for try await notification in notifications {
                                if let notice = PurgeNotice(payload: notification.payload) { continuation.yield(notice) }
                            }
                        }
                    }
                    delay = .milliseconds(100)
                } catch {
                    if Task.isCancelled { break }
                    database.logger.warning(
                        "lost the connection that carries other daemons' vault purges; connecting again",
                        metadata: ["error": "\(PostgresStorage.describe(error))"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listening.cancel() }
        return stream
    }

    // MARK: - Exchanges across daemons

    public var coordinatesExchanges: Bool { true }

    public func claimExchange(_ key: [UInt8], lease: Duration) async throws -> Bool {
        let seconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        let rows = try await database.query(
            """
            INSERT INTO vault_exchanges (entry_key, daemon, expires_at)
            VALUES (\(ByteBuffer(bytes: key)), \(daemonID), now() + make_interval(secs => \(seconds)))
            ON CONFLICT (entry_key) DO UPDATE SET daemon = excluded.daemon, expires_at = excluded.expires_at
                WHERE vault_exchanges.expires_at < now()
            RETURNING 1
            """)
        return try await !rows.elements().isEmpty
    }

    public func releaseExchange(_ key: [UInt8]) async throws {
        try await database.query("DELETE FROM vault_exchanges WHERE entry_key = \(ByteBuffer(bytes: key)) AND daemon = \(daemonID)").drain()
    }

    public func isExchanging(_ key: [UInt8]) async throws -> Bool {
        try await !database.query("SELECT 1 FROM vault_exchanges WHERE entry_key = \(ByteBuffer(bytes: key)) AND expires_at > now()").elements()
            .isEmpty
    }

    // MARK: - Private

    private func count(_ query: PostgresQuery) async throws -> Int {
        Int(try await database.query(query).decode(Int64.self).elements().first ?? 0)
    }

    private static func isForeignKeyViolation(_ error: StorageError) -> Bool {
        guard case .postgres(_, let reason) = error else { return false }
        return reason.contains("SQLSTATE 23503")
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}

extension PurgeNotice {
    /// The notice as a notification payload: `user <tid> <oid>`, `agent <name>`.
    var payload: String {
        switch self {
        case .user(let tenantID, let objectID): "user \(tenantID.lowercased()) \(objectID.lowercased())"
        case .agent(let agent): "agent \(agent)"
        case .unknown: "unknown"
        }
    }

    init?(payload: String) {
        let parts = payload.split(separator: " ", maxSplits: 2).map(String.init)
        switch (parts.first, parts.count) {
        case ("user", 3): self = .user(tenantID: parts[1], objectID: parts[2])
        case ("agent", 2): self = .agent(parts[1])
        case ("unknown", 1): self = .unknown
        default: return nil
        }
    }
}
