import BatonCore
import Foundation
import GRDB
import Logging

/// Opens one store's SQLite database: a private file in the data directory, WAL mode,
/// a busy timeout, full fsync on commit, and its migrations applied.
///
/// Each store (vault, ledger) has its own file, so each has its own write lock: a burst
/// of audit appends never waits behind a vault write.
public enum SQLiteStore {
    /// The file name of a store in the data directory.
    public static func fileName(for store: StoreName) -> String {
        "\(store.rawValue).sqlite"
    }

    /// Opens (creating if needed) and migrates the database of `store`.
    public static func open(
        _ store: StoreName,
        in directory: DataDirectory,
        busyTimeout: Duration,
        migrations: [Migration]? = nil,
        logger: Logger
    ) throws -> DatabasePool {
        let path = directory.file(fileName(for: store))
        try PrivateFile.create(path)
        try PrivateFile.requireMode(path, allowed: 0o600)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
        } catch let error as DatabaseError {
            throw StorageError.openFailed(path: path, reason: error.message ?? "\(error.resultCode)")
        }
        do {
            try requireIdentity(of: pool, as: store, path: path)
            let migrator = try SQLiteMigrator(
                store: store.rawValue, migrations: migrations ?? EmbeddedMigrations.migrations(engine: "sqlite", store: store.rawValue))
            for migration in try migrator.migrate(pool) {
                logger.info("applied migration", metadata: ["store": "\(store.rawValue)", "migration": "\(migration.path)"])
            }
        } catch {
            try? pool.close()
            throw error
        }
        return pool
    }

    /// Opens an existing store's database for reading only, or `nil` if it does not exist.
    public static func openReadOnly(_ store: StoreName, in directory: DataDirectory, busyTimeout: Duration) throws -> DatabaseQueue? {
        let path = directory.file(fileName(for: store))
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = configuration(busyTimeout: busyTimeout)
        configuration.readonly = true
        do {
            return try DatabaseQueue(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw StorageError.openFailed(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    /// Refuses a file that an earlier migration marked as another store's.
    private static func requireIdentity(of pool: DatabasePool, as store: StoreName, path: String) throws {
        let found = try pool.read { db in
            try db.tableExists("store_identity") ? String.fetchOne(db, sql: "SELECT store FROM store_identity") : nil
        }
        if let found, found != store.rawValue {
            throw StorageError.wrongStore(path: path, expected: store.rawValue, found: found)
        }
    }

    private static func configuration(busyTimeout: Duration) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.timeInterval)
        configuration.prepareDatabase { db in
            // An acknowledged write must survive power loss, not only a crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The ledger's indexes take random keys (chain ids, resources); SQLite's default
            // 2 MiB page cache thrashes on them. 64 MiB per connection keeps them in memory.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return configuration
    }
}
