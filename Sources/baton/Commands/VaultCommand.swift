import ArgumentParser
import BatonConfig
import BatonServer
import BatonStorage
import BatonVault
import Foundation
import Logging

/// `baton vault …`: inspect and administer the token vault. Never prints a token.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Inspect and administer the token vault (never shows a token).",
        subcommands: [List.self, Stats.self, Purge.self, RotateKey.self]
    )

    /// `baton vault list`: who has tokens for what, until when.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List vault entries: user, agent, audience, scopes, expiry.")

        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "Only this user (username or object id).") var user: String?
        @Option(name: .long, help: "Only this agent.") var agent: String?
        @Flag(name: .long, help: "JSON lines instead of a table.") var json = false

        func run() async throws {
            try await reportingFailures {
                guard let catalog = try await VaultAccess(options).catalog() else { return print("the vault is empty (no vault database yet)") }
                let entries = try await catalog.entries(user: user, agent: agent)
                if json {
                    let encoder = JSONEncoder()
                    encoder.dateEncodingStrategy = .iso8601
                    encoder.outputFormatting = .sortedKeys
                    for entry in entries { print(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
                    return
                }
                var rows = [["USER", "OBJECT ID", "AGENT", "AUDIENCE", "SCOPES", "KIND", "EXPIRES"]]
                for entry in entries {
                    rows.append([
                        entry.username ?? "-", entry.objectID, entry.agent, entry.audience, entry.scopes, entry.kind,
                        entry.expiresAt.formatted(.iso8601),
                    ])
                }
                print(TextTable(rows: rows).rendered)
            }
        }
    }

    /// `baton vault stats`: counts and hit rates.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries, users and lookup hit rates (as saved by the daemon).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                guard let catalog = try await VaultAccess(options).catalog() else { return print("the vault is empty (no vault database yet)") }
                let stats = try await catalog.statistics()
                let rate = stats.hitRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
                print(
                    TextTable(rows: [
                        ["access tokens", "\(stats.accessTokens)"], ["refresh tokens", "\(stats.refreshTokens)"], ["users", "\(stats.users)"],
                        ["expired, awaiting sweep", "\(stats.expiredAwaitingSweep)"], ["hot-tier hits", "\(stats.hotHits)"],
                        ["store hits", "\(stats.storeHits)"], ["misses", "\(stats.misses)"], ["hit rate", rate],
                    ]).rendered)
            }
        }
    }

    /// `baton vault purge`: remove a user's or an agent's tokens.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a user's tokens (destroying their data key) or an agent's tokens.",
            discussion:
                "Purging a user also rotates the master key, so no earlier copy of the database can unseal their tokens. The daemon must be stopped."
        )

        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "The user: username or object id.") var user: String?
        @Option(name: .long, help: "The agent.") var agent: String?

        func validate() throws {
            guard (user == nil) != (agent == nil) else { throw ValidationError("give exactly one of --user and --agent") }
        }

        func run() async throws {
            try await reportingFailures {
                let access = try VaultAccess(options)
                try await access.withExclusiveVault { vault, catalog in
                    if let agent {
                        print("purged \(try await vault.purge(agent: agent)) entries of agent \(agent)")
                        return
                    }
                    let users = try await catalog.users(matching: user!)
                    guard !users.isEmpty else { throw CommandFailure(message: "the vault holds nothing for user \(user!)") }
                    for match in users {
                        let removed = try await vault.purge(tenantID: match.tenantID, objectID: match.objectID)
                        print("purged \(removed) entries and the data key of \(match.tenantID)/\(match.objectID); master key rotated")
                    }
                }
            }
        }
    }

    /// `baton vault rotate-key`: a new master key; data keys re-wrapped, entries untouched.
    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Add a new master key, re-wrap every data key under it and drop the old one. The daemon must be stopped."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                try await VaultAccess(options).withExclusiveVault { vault, _ in
                    let rewrapped = try await vault.rotateMasterKey()
                    print("rotated to master key \(await vault.activeMasterKeyID); re-wrapped \(rewrapped) data keys")
                }
            }
        }
    }
}

/// Opens the configured vault for the CLI: read-only for listing, exclusively for changes.
struct VaultAccess {
    let storage: StorageSettings
    let environment = ProcessInfo.processInfo.environment

    init(_ options: ConfigOptions) throws {
        storage = try options.load().configuration.storage
    }

    /// The catalog of an existing vault database, or `nil` when there is none yet.
    func catalog() async throws -> VaultCatalog? {
        if let settings = storage.postgres {
            let database = try await PostgresStorage.open(PostgresEndpoint(settings), logger: Logger(label: "baton.vault"))
            return VaultCatalog(store: PostgresVaultStore(database: database))
        }
        guard let directory = DataDirectory.existing(storage.dataDirectory),
            let database = try SQLiteStore.openReadOnly(.vault, in: directory, busyTimeout: storage.busyTimeout)
        else { return nil }
        return VaultCatalog(store: SQLiteVaultStore(database: database))
    }

    /// Runs `body` with the vault opened: on SQLite with the daemon's lock held, so no
    /// running daemon is changed under its feet; on PostgreSQL beside the running daemons,
    /// which a purge reaches through the database (they drop the user's tokens at once).
    func withExclusiveVault(_ body: (TokenVault, VaultCatalog) async throws -> Void) async throws {
        if let settings = storage.postgres {
            try await PostgresStorage.using(PostgresEndpoint(settings), logger: Logger(label: "baton.vault")) { database in
                let store = PostgresVaultStore(database: database)
                let directory = try DataDirectory.prepare(storage.dataDirectory)
                try await body(try await TokenVault.open(in: directory, store: store, environment: environment), VaultCatalog(store: store))
            }
            return
        }
        let directory = try DataDirectory.prepare(storage.dataDirectory)
        guard let lock = try DirectoryLock(directory.file("vault.lock")) else { throw VaultError.locked(path: directory.file("vault.lock")) }
        let database = try SQLiteStore.open(.vault, in: directory, busyTimeout: storage.busyTimeout, logger: Logger(label: "baton.vault"))
        defer { try? database.close() }
        let vault = try await TokenVault.open(in: directory, store: SQLiteVaultStore(database: database), environment: environment)
        try await body(vault, VaultCatalog(store: SQLiteVaultStore(database: database)))
        withExtendedLifetime(lock) {}
    }
}
