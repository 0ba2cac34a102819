import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

@Suite("Opening the stores")
struct SQLiteStoreTests {
    let root: TemporaryDirectory
    let logger = Logger(label: "test")

    init() throws {
        root = try TemporaryDirectory()
    }

    @Test("the data directory is created 0700 and each database file 0600, WAL files included")
    func privateFiles() throws {
        let directory = try DataDirectory.prepare(root.file("nested/data"))
        #expect(try permissions(of: directory.path) == 0o700)
        for store in StoreName.allCases {
            let pool = try SQLiteStore.open(store, in: directory, busyTimeout: .seconds(1), logger: logger)
            try pool.write { db in try db.execute(sql: "UPDATE store_identity SET created_at = created_at") }
            let path = directory.file(SQLiteStore.fileName(for: store))
            for suffix in ["", "-wal", "-shm"] {
                #expect(try permissions(of: path + suffix) == 0o600, "\(path + suffix)")
            }
            #expect(try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            try pool.close()
        }
    }

    @Test("each store gets its own file")
    func separateFiles() throws {
        let directory = try DataDirectory.prepare(root.file("data"))
        for store in StoreName.allCases { try SQLiteStore.open(store, in: directory, busyTimeout: .seconds(1), logger: logger).close() }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sqlite") }.sorted()
        #expect(files == ["ledger.sqlite", "ledger_index.sqlite", "tasks.sqlite", "vault.sqlite"])
    }

    @Test("a data directory other users can enter is refused with the fix")
    func openDataDirectory() throws {
        let path = root.file("shared")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        #expect(throws: StorageError.permissionsTooOpen(path: path, mode: 0o755, expected: 0o700)) { _ = try DataDirectory.prepare(path) }
        #expect(StorageError.permissionsTooOpen(path: path, mode: 0o755, expected: 0o700).description.contains("chmod 700 \(path)"))
    }

    @Test("a database file other users can read is refused")
    func openDatabaseFile() throws {
        let directory = try DataDirectory.prepare(root.file("data"))
        let path = directory.file("vault.sqlite")
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
        #expect(throws: StorageError.permissionsTooOpen(path: path, mode: 0o644, expected: 0o600)) {
            _ = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(1), logger: logger)
        }
    }

    @Test("a data directory path that is a file is refused")
    func dataDirectoryIsAFile() throws {
        let path = try root.write("file", "x")
        #expect(throws: StorageError.dataDirectoryUnusable(path: path, reason: "exists and is not a directory")) {
            _ = try DataDirectory.prepare(path)
        }
    }

    @Test("a ledger database opened as the vault is refused before any migration runs")
    func wrongStore() throws {
        let directory = try DataDirectory.prepare(root.file("data"))
        try SQLiteStore.open(.ledger, in: directory, busyTimeout: .seconds(1), logger: logger).close()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: directory.file("ledger.sqlite" + suffix)) {
            try FileManager.default.moveItem(atPath: directory.file("ledger.sqlite" + suffix), toPath: directory.file("vault.sqlite" + suffix))
        }
        #expect(throws: StorageError.wrongStore(path: directory.file("vault.sqlite"), expected: "vault", found: "ledger")) {
            _ = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(1), logger: logger)
        }
    }

    @Test("reopening a store applies nothing and keeps its identity")
    func reopen() throws {
        let directory = try DataDirectory.prepare(root.file("data"))
        let first = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(1), logger: logger)
        let identity = try first.read { db in try String.fetchOne(db, sql: "SELECT instance_id FROM store_identity") }
        try first.close()
        let second = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(1), logger: logger)
        #expect(try second.read { db in try String.fetchOne(db, sql: "SELECT instance_id FROM store_identity") } == identity)
        #expect(
            try second.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM schema_migrations") }
                == EmbeddedMigrations.migrations(engine: "sqlite", store: "vault").count)
    }

    @Test("a changed embedded migration stops the store from opening")
    func changedMigrationStopsOpening() throws {
        let directory = try DataDirectory.prepare(root.file("data"))
        try SQLiteStore.open(.ledger, in: directory, busyTimeout: .seconds(1), logger: logger).close()
        let carried = EmbeddedMigrations.migrations(engine: "sqlite", store: "ledger")
        let edited = carried.map { Migration(engine: $0.engine, store: $0.store, version: $0.version, name: $0.name, sql: $0.sql + "\n") }
        #expect(throws: MigrationError.self) {
            _ = try SQLiteStore.open(.ledger, in: directory, busyTimeout: .seconds(1), migrations: edited, logger: logger)
        }
    }
}
