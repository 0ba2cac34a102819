import BatonCore
import BatonIdentity
import Crypto
import Foundation
import GRDB

/// The vault's SQLite tier: tokens sealed with their user's data key, data keys wrapped
/// by the keyring's master key (envelope encryption).
final class SealedTokenStore: Sendable {
    let database: DatabasePool

    init(database: DatabasePool) {
        self.database = database
    }

    // MARK: - Master keys

    /// Records the active master key, and refuses a keyring that does not match the data keys.
    func checkKeyring(_ keyring: VaultKeyring) throws {
        try database.write { db in
            let recorded = try Row.fetchAll(db, sql: "SELECT key_id, key_check FROM vault_master_keys")
            for row in recorded {
                let id: String = row["key_id"]
                guard let key = keyring.key(id) else {
                    let wraps = try Int.fetchOne(db, sql: "SELECT count(*) FROM vault_user_keys WHERE master_key_id = ?", arguments: [id]) ?? 0
                    if wraps > 0 {
                        throw VaultError.wrongKey("\(wraps) data key(s) are wrapped by master key \(id), which the keyring does not hold")
                    }
                    continue
                }
                guard (try? Envelope.open(row["key_check"], key: key, associatedData: Self.checkData(id))) != nil else {
                    throw VaultError.wrongKey("the keyring's key \(id) is not the key that wrapped the stored data keys")
                }
            }
            if !recorded.contains(where: { ($0["key_id"] as String) == keyring.activeKeyID }) {
                try Self.recordMasterKey(keyring.activeKeyID, key: keyring.activeKey, in: db)
            }
        }
    }

    /// Re-wraps every data key under the keyring's active key and forgets the other master keys' records.
    func rewrapDataKeys(_ keyring: VaultKeyring) throws -> Int {
        try database.write { db in
            try Self.recordMasterKey(keyring.activeKeyID, key: keyring.activeKey, in: db)
            let rows = try Row.fetchAll(db, sql: "SELECT tenant_id, object_id, wrapped_key, master_key_id FROM vault_user_keys")
            for row in rows {
                let (tenant, object, masterID): (String, String, String) = (row["tenant_id"], row["object_id"], row["master_key_id"])
                guard let old = keyring.key(masterID) else { throw VaultError.wrongKey("master key \(masterID) is missing from the keyring") }
                let dataKey = try Envelope.open(row["wrapped_key"], key: old, associatedData: Self.userData(tenant, object))
                let rewrapped = try Envelope.seal(dataKey, key: keyring.activeKey, associatedData: Self.userData(tenant, object))
                try db.execute(
                    sql: "UPDATE vault_user_keys SET wrapped_key = ?, master_key_id = ? WHERE tenant_id = ? AND object_id = ?",
                    arguments: [rewrapped, keyring.activeKeyID, tenant, object])
            }
            try db.execute(sql: "DELETE FROM vault_master_keys WHERE key_id != ?", arguments: [keyring.activeKeyID])
            return rows.count
        }
    }

    // MARK: - Entries

    /// The user's data key, unwrapped; created and stored (wrapped) when `create` and absent.
    func dataKey(tenantID: String, objectID: String, keyring: VaultKeyring, create: Bool) throws -> SymmetricKey? {
        try database.write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT wrapped_key, master_key_id FROM vault_user_keys WHERE tenant_id = ? AND object_id = ?",
                arguments: [tenantID, objectID])
            {
                let masterID: String = row["master_key_id"]
                guard let master = keyring.key(masterID) else { throw VaultError.wrongKey("master key \(masterID) is missing from the keyring") }
                return SymmetricKey(data: try Envelope.open(row["wrapped_key"], key: master, associatedData: Self.userData(tenantID, objectID)))
            }
            guard create else { return nil }
            let dataKey = SymmetricKey(size: .bits256)
            let wrapped = try Envelope.seal(
                dataKey.withUnsafeBytes { Data($0) }, key: keyring.activeKey, associatedData: Self.userData(tenantID, objectID))
            try db.execute(
                sql: "INSERT INTO vault_user_keys (tenant_id, object_id, wrapped_key, master_key_id, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [tenantID, objectID, wrapped, keyring.activeKeyID, Self.milliseconds(Date())])
            return dataKey
        }
    }

    /// Seals and stores `token` (an access or a refresh token) under `key` until `expiresAt`.
    func put(_ token: Secret, kind: EntryKind, key: VaultKey, expiresAt: Date, context: VaultEntryContext, dataKey: SymmetricKey) throws {
        let sealed = try Envelope.seal(Data(token.revealed.utf8), key: dataKey, associatedData: key.bytes)
        try database.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO vault_entries
                        (entry_key, kind, tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Data(key.bytes), kind.rawValue, context.tenantID, context.objectID, context.username, context.agent, context.audience,
                    context.scopes.canonical, Self.milliseconds(expiresAt), sealed, Self.milliseconds(Date()),
                ])
        }
    }

    /// What a vault entry holds.
    enum EntryKind: String {
        case access
        case refresh
    }

    /// The sealed entry under `key` with its owner, if present and unexpired at `now`.
    func entry(_ key: VaultKey, kind: EntryKind, now: Date) throws -> (
        sealed: Data, expiresAt: Date, tenantID: String, objectID: String, agent: String
    )? {
        try database.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT sealed, expires_at, tenant_id, object_id, agent FROM vault_entries WHERE entry_key = ? AND kind = ? AND expires_at > ?",
                    arguments: [Data(key.bytes), kind.rawValue, Self.milliseconds(now)])
            else { return nil }
            return (row["sealed"], Self.date(row["expires_at"]), row["tenant_id"], row["object_id"], row["agent"])
        }
    }

    func remove(_ key: VaultKey) throws {
        try database.write { db in try db.execute(sql: "DELETE FROM vault_entries WHERE entry_key = ?", arguments: [Data(key.bytes)]) }
    }

    /// Deletes a user's data key and entries; returns how many entries went.
    func purge(tenantID: String, objectID: String) throws -> Int {
        try database.write { db in
            let count =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM vault_entries WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID]) ?? 0
            try db.execute(sql: "DELETE FROM vault_entries WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID])
            try db.execute(sql: "DELETE FROM vault_user_keys WHERE tenant_id = ? AND object_id = ?", arguments: [tenantID, objectID])
            return count
        }
    }

    /// Deletes the entries an agent holds; returns how many.
    func purge(agent: String) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM vault_entries WHERE agent = ?", arguments: [agent])
            return db.changesCount
        }
    }

    /// Deletes expired entries; returns how many.
    func sweep(now: Date) throws -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM vault_entries WHERE expires_at <= ?", arguments: [Self.milliseconds(now)])
            return db.changesCount
        }
    }

    // MARK: - Encodings

    static func userData(_ tenantID: String, _ objectID: String) -> Data {
        Data("user:\(tenantID.lowercased()):\(objectID.lowercased())".utf8)
    }

    static func checkData(_ keyID: String) -> Data {
        Data("baton-vault-key-check:\(keyID)".utf8)
    }

    static func recordMasterKey(_ id: String, key: SymmetricKey, in db: Database) throws {
        let check = try Envelope.seal(Data("baton".utf8), key: key, associatedData: checkData(id))
        try db.execute(
            sql: "INSERT OR IGNORE INTO vault_master_keys (key_id, key_check, created_at) VALUES (?, ?, ?)",
            arguments: [id, check, milliseconds(Date())])
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
