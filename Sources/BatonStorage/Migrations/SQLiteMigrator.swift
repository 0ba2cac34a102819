import Foundation
import GRDB

/// Applies a store's SQL migrations to a SQLite database, each exactly once.
///
/// Applied migrations are recorded in `schema_migrations` with the SHA-256 of their file.
/// Before applying anything the migrator compares the record with the migrations it
/// carries: a changed or vanished file stops it with a ``MigrationError`` instead of
/// silently re-running or skipping SQL. Each migration runs in its own immediate
/// transaction, so two daemons starting at once on the same file apply it once.
public struct SQLiteMigrator: Sendable {
    public let store: String
    public let migrations: [Migration]

    /// - Throws: ``MigrationError/duplicateVersion(store:version:)`` when two migrations share a number.
    public init(store: String, migrations: [Migration]) throws(MigrationError) {
        self.store = store
        self.migrations = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(self.migrations, self.migrations.dropFirst()) where previous.version == next.version {
            throw .duplicateVersion(store: store, version: next.version)
        }
    }

    /// Brings the database up to date and returns the migrations it applied.
    public func migrate(_ writer: some DatabaseWriter) throws -> [Migration] {
        try writer.writeWithoutTransaction { db in
            try Self.createRecordTable(db)
            var applied: [Migration] = []
            for migration in migrations {
                try db.inTransaction(.immediate) {
                    let records = try Self.appliedRecords(db)
                    try verify(records)
                    guard records[migration.version] == nil else { return .commit }
                    do {
                        try db.execute(sql: migration.sql)
                    } catch let error as DatabaseError {
                        throw MigrationError.failed(
                            store: store, version: migration.version, name: migration.name, reason: error.message ?? "\(error.resultCode)")
                    }
                    try db.execute(
                        sql: "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                        arguments: [migration.version, migration.name, migration.checksum, Date()]
                    )
                    applied.append(migration)
                    return .commit
                }
            }
            try verify(Self.appliedRecords(db))
            return applied
        }
    }

    /// The state of every migration, carried or recorded, without changing anything.
    public func status(_ reader: some DatabaseReader) throws -> [MigrationStatus] {
        let records = try reader.read { db in
            try db.tableExists("schema_migrations") ? Self.appliedRecords(db) : [:]
        }
        var statuses = migrations.map { migration -> MigrationStatus in
            let state: MigrationStatus.State =
                switch records[migration.version] {
                case nil: .pending
                case let record? where record.checksum != migration.checksum: .changed(appliedChecksum: record.checksum)
                case let record?: .applied(at: record.appliedAt)
                }
            return MigrationStatus(store: store, version: migration.version, name: migration.name, state: state)
        }
        let carried = Set(migrations.map(\.version))
        for record in records.values where !carried.contains(record.version) {
            statuses.append(MigrationStatus(store: store, version: record.version, name: record.name, state: .missing))
        }
        return statuses.sorted { $0.version < $1.version }
    }

    // MARK: - The record of applied migrations

    private struct AppliedRecord {
        let version: Int
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func verify(_ records: [Int: AppliedRecord]) throws {
        let carried = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in records.values.sorted(by: { $0.version < $1.version }) {
            guard let migration = carried[record.version] else {
                throw MigrationError.missing(store: store, version: record.version, name: record.name)
            }
            if migration.checksum != record.checksum || migration.name != record.name {
                throw MigrationError.changed(
                    store: store, version: record.version, name: record.name, applied: record.checksum, embedded: migration.checksum)
            }
        }
    }

    private static func createRecordTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    applied_at DATETIME NOT NULL
                )
                """
        )
    }

    private static func appliedRecords(_ db: Database) throws -> [Int: AppliedRecord] {
        let rows = try Row.fetchAll(db, sql: "SELECT version, name, checksum, applied_at FROM schema_migrations")
        return Dictionary(
            uniqueKeysWithValues: rows.map { row in
                let record = AppliedRecord(version: row["version"], name: row["name"], checksum: row["checksum"], appliedAt: row["applied_at"])
                return (record.version, record)
            }
        )
    }
}
