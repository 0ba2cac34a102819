import ArgumentParser
import BatonConfig
import BatonCore
import BatonLedger
import BatonServer
import BatonStorage
import BatonVault
import Foundation
import Logging

/// `baton storage …`: moving an installation between engines.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Move an installation between storage engines.",
        subcommands: [Copy.self]
    )

    /// `baton storage copy --from sqlite:DIR --to postgres:URL`.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a single daemon's SQLite stores into an empty PostgreSQL database.",
            discussion: """
                Copies the vault (sealed tokens, wrapped data keys, the keyring), the ledger (records, tree, checkpoints, \
                signing key) and A2A tasks byte for byte in one transaction, builds the ledger's query index and verifies \
                the copy. Stop the daemon first (its data directory must not be locked). BATON_VAULT_KEY must be set: the \
                target keeps the keyring and the signing key sealed with it, and every daemon on it needs the same key. \
                Refuses a target that holds anything already. The password may be in the URL or in PGPASSWORD.
                """
        )

        @Option(name: .long, help: "The source: sqlite:DIR, a data directory.") var from: String
        @Option(name: .long, help: "The target: postgres:URL, e.g. postgres:postgres://baton@db:5432/baton?sslmode=verify-full.") var to: String
        @Option(name: .long, help: "The target schema (storage.postgres.schema).") var schema = "public"

        func run() async throws {
            try await reportingFailures {
                guard from.hasPrefix("sqlite:"), let source = DataDirectory.existing(String(from.dropFirst("sqlite:".count))) else {
                    throw CommandFailure(message: "--from must be sqlite:DIR with an existing data directory")
                }
                guard to.hasPrefix("postgres:") else { throw CommandFailure(message: "--to must be postgres:URL") }
                var settings: PostgresSettings
                do {
                    settings = try PostgresSettings(url: String(to.dropFirst("postgres:".count)), schema: schema)
                } catch {
                    throw CommandFailure(message: "--to: \(error)")
                }
                let environment = ProcessInfo.processInfo.environment
                if settings.password == nil, let password = environment["PGPASSWORD"] { settings.password = Secret(password) }
                guard let sealingKey = try VaultKeyring.sealingKey(from: environment) else { throw VaultError.sharedKeyringNeedsKey }
                guard let lock = try DirectoryLock(source.file("vault.lock")) else {
                    throw CommandFailure(message: "a daemon is running on \(source.path) (vault.lock is held): stop it first")
                }
                defer { withExtendedLifetime(lock) {} }
                let logger = Logger(label: "baton.storage")
                let endpoint = PostgresEndpoint(settings)
                try await PostgresStorage.using(endpoint, logger: logger) { target in
                    let report = try await StorageCopy(
                        source: source, target: target, sealingKey: sealingKey, busyTimeout: .seconds(5), logger: logger
                    )
                    .run()
                    print(
                        "copied \(report.entries) ledger entries, \(report.checkpoints) checkpoints, \(report.tiles) tree tiles, "
                            + "\(report.users) users' data keys, \(report.vaultEntries) vault entries and \(report.tasks) A2A tasks to \(endpoint.displayName)"
                    )
                    let records = PostgresLedgerRecords(database: target)
                    let indexed = try await LedgerIndexer.open(records: records, index: PostgresLedgerIndex(database: target), logger: logger)
                        .catchUp()
                    print("indexed \(indexed) entries")
                    let signer = try await CheckpointSigner.load(from: target, sealingKey: sealingKey)
                    let verification = try await LedgerVerifier(records: records, publicKey: signer.publicKey).verify()
                    guard verification.isIntact else {
                        throw CommandFailure(message: "the copied ledger does not verify: \(verification.problems.prefix(3))")
                    }
                    print("the copied ledger verifies: \(verification.entries) entries, \(verification.checkpoints) checkpoints")
                }
            }
        }
    }
}
