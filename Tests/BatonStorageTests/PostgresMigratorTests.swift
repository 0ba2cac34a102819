import BatonStorage
import BatonTestSupport
import PostgresNIO
import Testing

@Suite("The PostgreSQL migrator")
struct PostgresMigratorTests {
    @Test("applies every store's migrations once; a changed or vanished applied migration stops it, naming the file; status shows each")
    func appliesAndRefuses() async throws {
        let database = try await PostgresStorage.open(try PostgresTestDatabase.endpoint(), logger: .init(label: "test"))
        let migrator = try PostgresMigrator.embedded()
        let applied = try await migrator.migrate(database)
        #expect(applied.count == migrator.stores.map(\.migrations.count).reduce(0, +))
        #expect(try await migrator.migrate(database).isEmpty, "a second run applies nothing")
        #expect(try await migrator.status(database).allSatisfy { if case .applied = $0.state { true } else { false } })

        try await database.query("UPDATE schema_migrations SET checksum = 'feed' WHERE store = 'vault' AND version = 1").drain()
        await #expect(
            throws: MigrationError.changed(
                store: "vault", version: 1, name: "vault", applied: "feed",
                embedded: migrator.stores.first { $0.name == "vault" }!.migrations[0].checksum)
        ) {
            try await migrator.migrate(database)
        }
        #expect(try await migrator.status(database).contains { $0.store == "vault" && $0.state == .changed(appliedChecksum: "feed") })
        let vault = migrator.stores.first { $0.name == "vault" }!.migrations[0]
        try await database.query("UPDATE schema_migrations SET checksum = \(vault.checksum) WHERE store = 'vault' AND version = 1").drain()

        try await database.query("INSERT INTO schema_migrations (store, version, name, checksum) VALUES ('ledger', 99, 'future', 'x')").drain()
        let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(database) }
        #expect(error == .missing(store: "ledger", version: 99, name: "future"))
        #expect(error?.description.contains("0099_future.sql") == true)
        await database.close()
    }
}
