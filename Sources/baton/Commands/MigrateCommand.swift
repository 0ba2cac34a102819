import ArgumentParser
import BatonConfig
import BatonLedger
import BatonServer
import BatonStorage
import Foundation
import Logging

/// `baton migrate …`: the schema state of the stores.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Show or apply the stores' schema migrations.",
        subcommands: [Status.self, Apply.self]
    )

    /// `baton migrate status`: one line per migration and store.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print each store's migrations: applied (when), pending, changed or missing.",
            discussion: "Changes nothing. Exit status 1 when a database has a changed or missing migration."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let storage = try options.load().configuration.storage
                var rows: [[String]] = [["STORE", "VERSION", "NAME", "STATE"]]
                var broken = false
                for status in try await Self.statuses(storage) {
                    rows.append([status.store, String(format: "%04d", status.version), status.name, Self.describe(status.state)])
                    if case .changed = status.state { broken = true }
                    if case .missing = status.state { broken = true }
                }
                print(TextTable(rows: rows).rendered)
                if broken {
                    throw CommandFailure(message: "a database has an applied migration that changed or is missing; the daemon will refuse to start")
                }
            }
        }

        /// Every store's migrations and where each stands.
        static func statuses(_ storage: StorageSettings) async throws -> [MigrationStatus] {
            if let postgres = storage.postgres {
                return try await PostgresStorage.using(PostgresEndpoint(postgres), logger: Logger(label: "baton.migrate")) { database in
                    try await PostgresMigrator.embedded().status(database)
                }
            }
            let directory = DataDirectory.existing(storage.dataDirectory)
            var all: [MigrationStatus] = []
            for store in StoreName.allCases {
                let migrator = try SQLiteMigrator(
                    store: store.rawValue, migrations: EmbeddedMigrations.migrations(engine: storage.engine.rawValue, store: store.rawValue))
                let database = try directory.flatMap { try SQLiteStore.openReadOnly(store, in: $0, busyTimeout: storage.busyTimeout) }
                let statuses =
                    try database.map { try migrator.status($0) }
                    ?? migrator.migrations.map {
                        MigrationStatus(store: store.rawValue, version: $0.version, name: $0.name, state: .pending)
                    }
                all += statuses
            }
            return all
        }

        static func describe(_ state: MigrationStatus.State) -> String {
            switch state {
            case .applied(let date): "applied \(date.formatted(.iso8601))"
            case .pending: "pending"
            case .changed: "CHANGED since applied"
            case .missing: "MISSING from this binary"
            }
        }
    }

    /// `baton migrate apply`: what `baton serve` does at startup, without serving.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the data directory and stores if needed and apply pending migrations."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let storage = try options.load().configuration.storage
                if let postgres = storage.postgres {
                    let endpoint = PostgresEndpoint(postgres)
                    let migrator = try PostgresMigrator.embedded()
                    let applied = try await PostgresStorage.using(endpoint, logger: Logger(label: "baton.migrate")) { try await migrator.migrate($0) }
                    for (store, migrations) in migrator.stores {
                        print("\(store): \(applied.filter { $0.store == store }.count) applied, \(migrations.count) in total")
                    }
                    print("PostgreSQL \(endpoint.displayName) is up to date")
                    return
                }
                let directory = try DataDirectory.prepare(storage.dataDirectory)
                for store in StoreName.allCases {
                    let migrations = EmbeddedMigrations.migrations(engine: storage.engine.rawValue, store: store.rawValue)
                    let before =
                        try SQLiteStore.openReadOnly(store, in: directory, busyTimeout: storage.busyTimeout)
                        .map { try SQLiteMigrator(store: store.rawValue, migrations: migrations).status($0) } ?? []
                    let pool = try SQLiteStore.open(
                        store, in: directory, busyTimeout: storage.busyTimeout, upgrade: LedgerStore.upgrade(for: store),
                        logger: Logger(label: "baton.migrate"))
                    try pool.close()
                    let appliedBefore = before.filter { if case .applied = $0.state { true } else { false } }.count
                    print("\(store.rawValue): \(migrations.count - appliedBefore) applied, \(migrations.count) in total")
                }
            }
        }
    }
}
