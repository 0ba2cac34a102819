import BatonLedger
import BatonStorage
import BatonVault
import Crypto
import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO

/// Moves a single daemon's installation — the SQLite stores of a data directory — into an
/// empty PostgreSQL schema: the vault (sealed entries, wrapped data keys, the keyring),
/// the ledger (records, tree tiles, checkpoints, the signing key) and A2A tasks, byte for
/// byte, in one transaction. The copied ledger therefore verifies with the same hashes and
/// checkpoints; its query index is built afterwards from the records.
struct StorageCopy {
    let source: DataDirectory
    let target: PostgresStorage
    /// `BATON_VAULT_KEY`: the target keeps the keyring and the signing key sealed with it.
    let sealingKey: SymmetricKey
    let busyTimeout: Duration
    let logger: Logger

    /// Records copied per statement.
    private static let chunk = 10_000

    struct Report {
        var entries: Int64 = 0
        var checkpoints = 0
        var tiles = 0
        var users = 0
        var vaultEntries = 0
        var tasks = 0
    }

    func run() async throws -> Report {
        guard let ledger = try SQLiteStore.openReadOnly(.ledger, in: source, busyTimeout: busyTimeout),
            let vault = try SQLiteStore.openReadOnly(.vault, in: source, busyTimeout: busyTimeout)
        else { throw CommandFailure(message: "\(source.path) holds no vault and ledger to copy") }
        let tasks = try SQLiteStore.openReadOnly(.tasks, in: source, busyTimeout: busyTimeout)
        guard let signingKey = FileManager.default.contents(atPath: source.file(CheckpointSigner.fileName)) else {
            throw CommandFailure(
                message: "\(source.file(CheckpointSigner.fileName)) is missing: the ledger's checkpoints could not be verified after the copy")
        }
        let keyring = try VaultKeyring.sharedForm(ofFile: source.file(VaultKeyring.fileName), sealingKey: sealingKey)
        let sealedSigningKey = try PostgresStorage.seal(signingKey, named: CheckpointSigner.sharedSecretName, key: sealingKey)
        let records = SQLiteLedgerRecords(database: ledger)
        let logger = logger
        try await PostgresMigrator.embedded().migrate(target)
        return try await target.transaction { connection in
            try await Self.requireEmpty(connection, logger: logger)
            var report = Report()
            try await connection.rows(
                "INSERT INTO baton_secrets (name, sealed) VALUES (\(CheckpointSigner.sharedSecretName), \(ByteBuffer(data: sealedSigningKey)))",
                logger: logger
            ).drain()
            try await connection.rows("INSERT INTO vault_keyring (keyring) VALUES (\(ByteBuffer(data: keyring)))", logger: logger).drain()
            (report.users, report.vaultEntries) = try await Self.copyVault(vault, to: connection, logger: logger)
            if let tasks { report.tasks = try await Self.copyTasks(tasks, to: connection, logger: logger) }
            (report.entries, report.tiles, report.checkpoints) = try await Self.copyLedger(records, database: ledger, to: connection, logger: logger)
            return report
        }
    }

    /// Refuses a schema holding anything of a daemon's.
    private static func requireEmpty(_ connection: PostgresConnection, logger: Logger) async throws {
        let tables = ["ledger_entries", "ledger_checkpoints", "vault_keyring", "vault_user_keys", "vault_entries", "a2a_tasks", "baton_secrets"]
        for table in tables {
            // The names are this list's constants.
            let rows = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table))"), logger: logger)
            if try await rows.decode(Bool.self).elements().first == true {
                throw CommandFailure(message: "the target is not empty (\(table) has rows): copy only into a new database or schema")
            }
        }
    }

    private static func copyVault(_ vault: DatabasePool, to connection: PostgresConnection, logger: Logger) async throws -> (users: Int, entries: Int)
    {
        let (checks, keys, entries, counters) = try await vault.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT key_id, key_check FROM vault_master_keys"),
                try Row.fetchAll(db, sql: "SELECT tenant_id, object_id, wrapped_key, master_key_id FROM vault_user_keys"),
                try Row.fetchAll(
                    db, sql: "SELECT entry_key, kind, tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed FROM vault_entries"),
                try Row.fetchAll(db, sql: "SELECT name, value FROM vault_counters")
            )
        }
        for row in checks {
            try await connection.rows(
                "INSERT INTO vault_master_keys (key_id, key_check) VALUES (\(row["key_id"] as String), \(ByteBuffer(data: row["key_check"] as Data)))",
                logger: logger
            ).drain()
        }
        for start in stride(from: 0, to: keys.count, by: chunk) {
            let rows = keys[start..<min(start + chunk, keys.count)]
            try await connection.rows(
                """
                INSERT INTO vault_user_keys (tenant_id, object_id, wrapped_key, master_key_id)
                SELECT * FROM unnest(\(rows.map { $0["tenant_id"] as String })::text[], \(rows.map { $0["object_id"] as String })::text[],
                                     \(rows.map { ByteBuffer(data: $0["wrapped_key"] as Data) })::bytea[], \(rows.map { $0["master_key_id"] as String })::text[])
                """, logger: logger
            ).drain()
        }
        for row in entries {
            try await connection.rows(
                """
                INSERT INTO vault_entries (entry_key, kind, tenant_id, object_id, username, agent, audience, scopes, expires_at, sealed)
                VALUES (\(ByteBuffer(data: row["entry_key"] as Data)), \(row["kind"] as String), \(row["tenant_id"] as String),
                        \(row["object_id"] as String), \(row["username"] as String?), \(row["agent"] as String), \(row["audience"] as String),
                        \(row["scopes"] as String), \(row["expires_at"] as Int64), \(ByteBuffer(data: row["sealed"] as Data)))
                """, logger: logger
            ).drain()
        }
        for row in counters {
            try await connection.rows(
                "INSERT INTO vault_counters (name, value) VALUES (\(row["name"] as String), \(row["value"] as Int64))", logger: logger
            ).drain()
        }
        return (keys.count, entries.count)
    }

    private static func copyTasks(_ tasks: DatabasePool, to connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await tasks.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, tenant_id, object_id, agent, context_id, state, chain_id, task, created_us, updated_us FROM a2a_tasks")
        }
        for row in rows {
            try await connection.rows(
                """
                INSERT INTO a2a_tasks (id, tenant_id, object_id, agent, context_id, state, chain_id, task, created_us, updated_us)
                VALUES (\(row["id"] as String), \(row["tenant_id"] as String), \(row["object_id"] as String), \(row["agent"] as String),
                        \(row["context_id"] as String?), \(row["state"] as String), \(row["chain_id"] as String?),
                        \(ByteBuffer(data: row["task"] as Data)), \(row["created_us"] as Int64), \(row["updated_us"] as Int64))
                """, logger: logger
            ).drain()
        }
        return rows.count
    }

    private static func copyLedger(
        _ records: SQLiteLedgerRecords, database: DatabasePool, to connection: PostgresConnection, logger: Logger
    ) async throws -> (entries: Int64, tiles: Int, checkpoints: Int) {
        var copied: Int64 = 0
        var head: (Int64, [UInt8])?
        while true {
            let batch = try await records.records(from: copied + 1, through: .max, limit: chunk) { cursor in
                var rows: [(Int64, ByteBuffer, ByteBuffer)] = []
                while let stored = try cursor.next() {
                    rows.append((stored.sequence, ByteBuffer(bytes: stored.record), ByteBuffer(bytes: stored.hash)))
                }
                return rows
            }
            guard let last = batch.last else { break }
            guard last.0 == copied + Int64(batch.count) else {
                throw CommandFailure(message: "the source ledger has a gap before entry \(last.0): run baton audit verify on it first")
            }
            try await connection.rows(
                """
                INSERT INTO ledger_entries (seq, record, hash)
                SELECT * FROM unnest(\(batch.map(\.0))::int8[], \(batch.map(\.1))::bytea[], \(batch.map(\.2))::bytea[])
                """, logger: logger
            ).drain()
            copied = last.0
            head = (last.0, Array(buffer: last.2))
        }
        let tiles = try await database.read { db in try Row.fetchAll(db, sql: "SELECT level, idx, hashes FROM ledger_tiles") }
        for start in stride(from: 0, to: tiles.count, by: chunk) {
            let rows = tiles[start..<min(start + chunk, tiles.count)]
            try await connection.rows(
                """
                INSERT INTO ledger_tiles (level, idx, hashes)
                SELECT * FROM unnest(\(rows.map { Int32($0["level"] as Int) })::int4[], \(rows.map { $0["idx"] as Int64 })::int8[],
                                     \(rows.map { ByteBuffer(data: $0["hashes"] as Data) })::bytea[])
                """, logger: logger
            ).drain()
        }
        let checkpoints = try await records.checkpoints()
        for checkpoint in checkpoints {
            try await connection.rows(
                """
                INSERT INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature, note)
                VALUES (\(checkpoint.sequence), \(checkpoint.timestamp), \(ByteBuffer(bytes: checkpoint.hash)), \(checkpoint.keyID),
                        \(ByteBuffer(data: checkpoint.signature)), \(checkpoint.note))
                """, logger: logger
            ).drain()
        }
        if let head {
            try await connection.rows("UPDATE ledger_head SET seq = \(head.0), hash = \(ByteBuffer(bytes: head.1))", logger: logger).drain()
        }
        return (copied, tiles.count, checkpoints.count)
    }
}
