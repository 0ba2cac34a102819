import Foundation
import PostgresNIO

/// Applies every store's PostgreSQL migrations (`migrations/postgres/<store>/`) to one
/// database schema, each exactly once, as ``SQLiteMigrator`` does for SQLite files.
///
/// Applied migrations are recorded in `schema_migrations` (store, version, name, SHA-256 of
/// the file). A changed or vanished file stops the migrator with a ``MigrationError`` before
/// anything runs. All pending migrations run in one transaction under an advisory lock, so
/// daemons starting together apply each once, and a failing migration leaves the schema as
/// it was.
public struct PostgresMigrator: Sendable {
    /// The stores, in the order their migrations run, each with its migrations in version order.
    public let stores: [(name: String, migrations: [Migration])]

    /// - Throws: ``MigrationError/duplicateVersion(store:version:)`` when two migrations of a store share a number.
    public init(stores: [(name: String, migrations: [Migration])]) throws(MigrationError) {
        self.stores = stores.map { ($0.name, $0.migrations.sorted { $0.version < $1.version }) }
        for (store, migrations) in self.stores {
            for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
                throw .duplicateVersion(store: store, version: next.version)
            }
        }
    }

    /// The migrations this binary carries for every store.
    public static func embedded() throws(MigrationError) -> PostgresMigrator {
        try PostgresMigrator(stores: StoreName.allCases.map { ($0.rawValue, EmbeddedMigrations.migrations(engine: "postgres", store: $0.rawValue)) })
    }

    /// Brings the schema up to date and returns the migrations it applied.
    ///
    /// - Throws: ``MigrationError`` for a changed, missing or failing migration;
    ///   ``StorageError/postgres(endpoint:reason:)`` when the database fails otherwise.
    @discardableResult
    public func migrate(_ database: PostgresStorage) async throws -> [Migration] {
        let schema = database.endpoint.schema
        let lock = database.lockKey("migrations")
        return try await database.transaction { connection in
            let logger = database.logger
            try await connection.rows("SELECT pg_advisory_xact_lock(\(lock))", logger: logger).drain()
            let exists =
                try await connection.rows("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger)
                .elements().isEmpty == false
            if !exists {
                // A quoted identifier: the name cannot carry SQL, whatever it holds.
                let quoted = "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                try await connection.rows(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(quoted)"), logger: logger).drain()
            }
            try await connection.rows(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    store text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (store, version)
                )
                """, logger: logger
            ).drain()
            let records = try await Self.records(connection, logger: logger)
            try verify(records)
            var applied: [Migration] = []
            for (store, migrations) in stores {
                for migration in migrations where records[store]?[migration.version] == nil {
                    for statement in SQLScript.statements(migration.sql) {
                        do {
                            try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
                        } catch let error as PSQLError {
                            throw MigrationError.failed(
                                store: store, version: migration.version, name: migration.name, reason: PostgresStorage.describe(error))
                        }
                    }
                    try await connection.rows(
                        """
                        INSERT INTO schema_migrations (store, version, name, checksum)
                        VALUES (\(store), \(migration.version), \(migration.name), \(migration.checksum))
                        """, logger: logger
                    ).drain()
                    applied.append(migration)
                }
            }
            return applied
        }
    }

    /// The state of every migration, carried or recorded, without changing anything.
    public func status(_ database: PostgresStorage) async throws -> [MigrationStatus] {
        let records = try await database.withConnection { connection in
            let table =
                try await connection.rows(PostgresQuery(unsafeSQL: "SELECT to_regclass('schema_migrations')::text"), logger: database.logger)
                .decode(String?.self).elements().first ?? nil
            return table == nil ? [:] : try await Self.records(connection, logger: database.logger)
        }
        var statuses: [MigrationStatus] = []
        for (store, migrations) in stores {
            let recorded = records[store] ?? [:]
            for migration in migrations {
                let state: MigrationStatus.State =
                    switch recorded[migration.version] {
                    case nil: .pending
                    case let record? where record.checksum != migration.checksum: .changed(appliedChecksum: record.checksum)
                    case let record?: .applied(at: record.appliedAt)
                    }
                statuses.append(MigrationStatus(store: store, version: migration.version, name: migration.name, state: state))
            }
            let carried = Set(migrations.map(\.version))
            for record in recorded.values.sorted(by: { $0.version < $1.version }) where !carried.contains(record.version) {
                statuses.append(MigrationStatus(store: store, version: record.version, name: record.name, state: .missing))
            }
        }
        return statuses
    }

    // MARK: - The record of applied migrations

    private struct AppliedRecord: Sendable {
        let version: Int
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func verify(_ records: [String: [Int: AppliedRecord]]) throws(MigrationError) {
        for (store, recorded) in records.sorted(by: { $0.key < $1.key }) {
            let carried = Dictionary(uniqueKeysWithValues: (stores.first { $0.name == store }?.migrations ?? []).map { ($0.version, $0) })
            for record in recorded.values.sorted(by: { $0.version < $1.version }) {
                guard let migration = carried[record.version] else {
                    throw .missing(store: store, version: record.version, name: record.name)
                }
                if migration.checksum != record.checksum || migration.name != record.name {
                    throw .changed(store: store, version: record.version, name: record.name, applied: record.checksum, embedded: migration.checksum)
                }
            }
        }
    }

    private static func records(_ connection: PostgresConnection, logger: Logger) async throws -> [String: [Int: AppliedRecord]] {
        var records: [String: [Int: AppliedRecord]] = [:]
        let rows = try await connection.rows("SELECT store, version, name, checksum, applied_at FROM schema_migrations", logger: logger)
        for try await (store, version, name, checksum, appliedAt) in rows.decode((String, Int, String, String, Date).self) {
            records[store, default: [:]][version] = AppliedRecord(version: version, name: name, checksum: checksum, appliedAt: appliedAt)
        }
        return records
    }
}
