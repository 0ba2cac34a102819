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
    ///
    /// - Parameter upgrade: data work a migration leaves to code (such as re-encoding rows
    ///   SQL cannot), run in one transaction after the migrations, on every open; it must
    ///   do nothing when there is nothing left to upgrade.
    public static func open(
        _ store: StoreName,
        in directory: DataDirectory,
        busyTimeout: Duration,
        migrations: [Migration]? = nil,
        upgrade: (@Sendable (Database) throws -> Void)? = nil,
        memory: SQLiteMemory = SQLiteMemory(),
        logger: Logger
    ) throws -> DatabasePool {
        let path = directory.file(fileName(for: store))
        try PrivateFile.create(path)
        try PrivateFile.requireMode(path, allowed: 0o600)
        let pool: DatabasePool
        do {
            var configuration = configuration(busyTimeout: busyTimeout, durable: store.isDurable, cacheKiB: memory.cacheKiB(for: store))
            configuration.maximumReaderCount = max(1, memory.maximumReaders)
            pool = try DatabasePool(path: path, configuration: configuration)
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
            if let upgrade { try pool.write(upgrade) }
        } catch {
            try? pool.close()
            throw error
        }
        return pool
    }

    /// Opens an existing store's database for reading only, or `nil` if it does not exist.
    ///
    /// A pool, as for the daemon: commands that read much (`audit verify`) read in parallel
    /// on several connections, each on a snapshot of the (WAL-mode) file.
    public static func openReadOnly(_ store: StoreName, in directory: DataDirectory, busyTimeout: Duration) throws -> DatabasePool? {
        let path = directory.file(fileName(for: store))
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = configuration(busyTimeout: busyTimeout, durable: store.isDurable, cacheKiB: SQLiteMemory().cacheKiB(for: store))
        configuration.readonly = true
        do {
            return try DatabasePool(path: path, configuration: configuration)
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

    private static func configuration(busyTimeout: Duration, durable: Bool, cacheKiB: Int) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.timeInterval)
        configuration.prepareDatabase { db in
            // An acknowledged write must survive power loss, not only a crash. A derived
            // store syncs at WAL checkpoints only: WAL keeps it consistent either way.
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // Bounded per connection (negative: KiB), so the daemon's memory after load is bounded too.
            try db.execute(sql: "PRAGMA cache_size = -\(max(64, cacheKiB))")
        }
        return configuration
    }
}
