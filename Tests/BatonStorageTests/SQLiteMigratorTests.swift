import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Testing

@Suite("SQLite migrations")
struct SQLiteMigratorTests {
    let directory: TemporaryDirectory
    let first = Migration(
        engine: "sqlite", store: "demo", version: 1, name: "create_notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")
    let second = Migration(engine: "sqlite", store: "demo", version: 2, name: "add_author", sql: "ALTER TABLE notes ADD COLUMN author TEXT;")

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func database() throws -> DatabasePool {
        try DatabasePool(path: directory.file("demo.sqlite"))
    }

    @Test("migrations apply in version order, each exactly once across restarts")
    func appliesOnce() throws {
        let migrator = try SQLiteMigrator(store: "demo", migrations: [second, first])
        let pool = try database()
        #expect(try migrator.migrate(pool).map(\.version) == [1, 2])
        try pool.close()

        let reopened = try database()
        #expect(try migrator.migrate(reopened).isEmpty)
        let recorded = try reopened.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations ORDER BY version") }
        #expect(recorded == [1, 2])
        let columns = try reopened.read { db in try db.columns(in: "notes").map(\.name) }
        #expect(columns == ["id", "body", "author"])
    }

    @Test("a later binary applies only the new migration")
    func appliesOnlyNew() throws {
        let pool = try database()
        _ = try SQLiteMigrator(store: "demo", migrations: [first]).migrate(pool)
        #expect(try SQLiteMigrator(store: "demo", migrations: [first, second]).migrate(pool).map(\.version) == [2])
    }

    @Test("an applied migration whose SQL changed stops with an error naming it")
    func changedMigration() throws {
        let pool = try database()
        _ = try SQLiteMigrator(store: "demo", migrations: [first]).migrate(pool)
        let edited = Migration(engine: "sqlite", store: "demo", version: 1, name: "create_notes", sql: first.sql + "\n-- tweak")
        do {
            _ = try SQLiteMigrator(store: "demo", migrations: [edited, second]).migrate(pool)
            Issue.record("expected the changed migration to be refused")
        } catch let error as MigrationError {
            #expect(error == .changed(store: "demo", version: 1, name: "create_notes", applied: first.checksum, embedded: edited.checksum))
            #expect(error.description.contains("0001_create_notes.sql"))
            #expect(error.description.contains("must never change"))
        }
        let recorded = try pool.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations") }
        #expect(recorded == [1], "nothing after the refusal may be applied")
    }

    @Test("an applied migration this binary does not carry stops with an error naming it")
    func missingMigration() throws {
        let pool = try database()
        _ = try SQLiteMigrator(store: "demo", migrations: [first, second]).migrate(pool)
        #expect(throws: MigrationError.missing(store: "demo", version: 2, name: "add_author")) {
            _ = try SQLiteMigrator(store: "demo", migrations: [first]).migrate(pool)
        }
    }

    @Test("a failing migration is rolled back and not recorded")
    func failingMigration() throws {
        let broken = Migration(
            engine: "sqlite", store: "demo", version: 2, name: "broken", sql: "CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);")
        let pool = try database()
        do {
            _ = try SQLiteMigrator(store: "demo", migrations: [first, broken]).migrate(pool)
            Issue.record("expected the broken migration to fail")
        } catch let error as MigrationError {
            #expect(error.code == "migration_failed")
            #expect(error.description.contains("0002_broken.sql failed and was rolled back: no such table: nowhere"))
        }
        let recorded = try pool.read { db in try Int.fetchAll(db, sql: "SELECT version FROM schema_migrations") }
        #expect(recorded == [1])
        #expect(try pool.read { db in try db.tableExists("half") } == false)
    }

    @Test("two migrations with one version number are refused")
    func duplicateVersions() {
        let clash = Migration(engine: "sqlite", store: "demo", version: 1, name: "other", sql: "SELECT 1;")
        #expect(throws: MigrationError.duplicateVersion(store: "demo", version: 1)) {
            _ = try SQLiteMigrator(store: "demo", migrations: [first, clash])
        }
    }

    @Test("status reports applied, pending, changed and missing without changing anything")
    func status() throws {
        let pool = try database()
        _ = try SQLiteMigrator(store: "demo", migrations: [first]).migrate(pool)
        let edited = Migration(engine: "sqlite", store: "demo", version: 1, name: "create_notes", sql: "CREATE TABLE other (x);")
        let states = try SQLiteMigrator(store: "demo", migrations: [edited, second]).status(pool).map(\.state)
        #expect(states == [.changed(appliedChecksum: first.checksum), .pending])
        let missing = try SQLiteMigrator(store: "demo", migrations: []).status(pool)
        #expect(missing.map(\.state) == [.missing])
        if case .applied = try SQLiteMigrator(store: "demo", migrations: [first]).status(pool).first?.state {
        } else {
            Issue.record("expected applied")
        }
        #expect(try pool.read { db in try !db.tableExists("other") })
    }
}
