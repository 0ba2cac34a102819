import BatonCore
import BatonIdentity
import Foundation
import GRDB

/// The vault's store in SQLite (`vault.sqlite`, migrations `sqlite/vault/`).
public struct SQLiteVaultStore: VaultStore {
    private let database: any DatabaseWriter

    /// A store on the migrated vault database; the caller opened it and closes it.
    public init(database: any DatabaseWriter) {
        self.database = database
    }

    // MARK: - Master keys

    public func masterKeyChecks() throws -> [MasterKeyCheck] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT key_id, key_check FROM vault_master_keys").map {
                MasterKeyCheck(keyID: $0["key_id"], check: $0["key_check"])
            }
        }
    }

    public func dataKeyCount(wrappedBy masterKeyID: String) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_user_keys WHERE master_key_id = ?", arguments: [masterKeyID]) ?? 0
        }
    }

    public func recordMasterKey(_ check: MasterKeyCheck) throws {
        try database.write { db in try Self.record(check, in: db) }
    }

    // MARK: - Data keys

    public func wrappedDataKey(tenantID: String, objectID: String) throws -> WrappedDataKey? {
        try database.read { db in try Self.dataKey(tenantID: tenantID, objectID: objectID, in: db) }
    }

    public func insertDataKey(_ key: WrappedDataKey) throws -> WrappedDataKey {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO vault_user_keys (tenant_id, object_id, wrapped_key, master_key_id, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [key.tenantID, key.objectID, key.wrapped, key.masterKeyID, Self.milliseconds(Date())])
            return try Self.dataKey(tenantID: key.tenantID, objectID: key.objectID, in: db) ?? key
        }
    }

    /// The keyring is a file here (``keepsKeyring`` is `false`): `replacingKeyring` is not used.
    public func rewrapDataKeys(
        recording active: MasterKeyCheck, replacingKeyring: (old: Data, new: Data)?,
        _ rewrap: @escaping @Sendable (WrappedDataKey) throws -> WrappedDataKey
    ) throws -> Int {
        try database.write { db in
            try Self.record(active, in: db)
            let rows = try Row.fetchAll(db, sql: "SELECT tenant_id, object_id, wrapped_key, master_key_id FROM vault_user_keys")
            for row in rows {
                let key = try rewrap(
                    WrappedDataKey(
                        tenantID: row["tenant_id"], objectID: row["object_id"], wrapped: row["wrapped_key"], masterKeyID: row["master_key_id"]))
                try db.execute(
                    sql: "UPDATE vault_user_keys SET wrapped_key = ?, master_key_id = ? WHERE tenant_id = ? AND object_id = ?",
                    arguments: [key.wrapped, key.masterKeyID, key.tenantID, key.objectID])
            }
            try db.execute(sql: "DELETE FROM vault_master_keys WHERE key_id != ?", arguments: [active.keyID])
            return rows.count
        }
    }

    // MARK: - Entries

    public func put(_ entry: SealedEntry) throws {
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO vault_entries
                        (entry_key, kind, tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Data(entry.key), entry.kind.rawValue, entry.context.tenantID, entry.context.objectID, entry.context.username, entry.context.agent,
                    entry.context.audience, entry.context.scopes.canonical, Self.milliseconds(entry.expiresAt), entry.sealed,
                    Self.milliseconds(Date()),
                ])
        }
    }

    public func entry(key: [UInt8], kind: SealedEntry.Kind, unexpiredAt now: Date) throws -> SealedEntry? {
        try database.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed FROM vault_entries
                    WHERE entry_key = ? AND kind = ? AND expires_at > ?
                    """,
                arguments: [Data(key), kind.rawValue, Self.milliseconds(now)]
            ).map { row in
                SealedEntry(
                    key: key, kind: kind,
                    context: VaultEntryContext(
                        tenantID: row["tenant_id"], objectID: row["object_id"], username: row["username"], agent: row["agent"],
                        audience: row["audience"], scopes: ScopeSet((row["scopes"] as String).split(separator: " ").map(String.init))),
                    expiresAt: Self.date(row["expires_at"]), sealed: row["sealed"])
            }
        }
    }

    public func remove(key: [UInt8]) throws {
        try database.write { db in try db.execute(sql: "DELETE FROM vault_entries WHERE entry_key = ?", arguments: [Data(key)]) }
    }

    public func purge(tenantID: String, objectID: String) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM vault_entries WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID])
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM vault_user_keys WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID])
            return removed
        }
    }

    public func purge(agent: String) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM vault_entries WHERE agent = ?", arguments: [agent])
            return db.changesCount
        }
    }

    public func sweep(expiredAt now: Date) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM vault_entries WHERE expires_at <= ?", arguments: [Self.milliseconds(now)])
            return db.changesCount
        }
    }

    // MARK: - Reporting

    public func addLookups(_ counters: VaultCounters) throws {
        try database.write { db in
            for (name, value) in [("hot_hits", counters.hotHits), ("store_hits", counters.storeHits), ("misses", counters.misses)] where value > 0 {
                try db.execute(
                    sql: "INSERT INTO vault_counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                    arguments: [name, value])
            }
        }
    }

    public func entries(user: String?, agent: String?) throws -> [VaultCatalog.Entry] {
        try database.read { db in
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
                VaultCatalog.Entry(
                    kind: row["kind"], tenantID: row["tenant_id"], objectID: row["object_id"], username: row["username"], agent: row["agent"],
                    audience: row["audience"], scopes: row["scopes"], expiresAt: Self.date(row["expires_at"]))
            }
        }
    }

    public func users(matching user: String) throws -> [(tenantID: String, objectID: String)] {
        try database.read { db in
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

    public func statistics(now: Date) throws -> VaultCatalog.Statistics {
        try database.read { db in
            let counters = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, value FROM vault_counters").map {
                    ($0["name"] as String, $0["value"] as Int)
                })
            return VaultCatalog.Statistics(
                accessTokens: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_entries WHERE kind = 'access'") ?? 0,
                refreshTokens: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_entries WHERE kind = 'refresh'") ?? 0,
                users: try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_user_keys") ?? 0,
                expiredAwaitingSweep: try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM vault_entries WHERE expires_at <= ?", arguments: [Self.milliseconds(now)]) ?? 0,
                hotHits: counters["hot_hits"] ?? 0, storeHits: counters["store_hits"] ?? 0, misses: counters["misses"] ?? 0)
        }
    }

    // MARK: - Private

    private static func record(_ check: MasterKeyCheck, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO vault_master_keys (key_id, key_check, created_at) VALUES (?, ?, ?)",
            arguments: [check.keyID, check.check, milliseconds(Date())])
    }

    private static func dataKey(tenantID: String, objectID: String, in db: Database) throws -> WrappedDataKey? {
        try Row.fetchOne(
            db, sql: "SELECT wrapped_key, master_key_id FROM vault_user_keys WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID]
        ).map { WrappedDataKey(tenantID: tenantID, objectID: objectID, wrapped: $0["wrapped_key"], masterKeyID: $0["master_key_id"]) }
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
