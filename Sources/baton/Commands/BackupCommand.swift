import ArgumentParser
import BatonStorage
import Foundation

/// `baton backup DIR`: a consistent copy of the running daemon's stores and keys.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the vault (without tokens), the ledger, the A2A tasks and the keys into DIR, while the daemon runs (SQLite).",
        discussion: """
            Each database is copied with SQLite's online backup API on one snapshot. The vault's tokens and users' data keys are \
            left out: a backup holds no live credential. On PostgreSQL use pg_dump (README, "Backup and restore").
            """)

    @Argument(help: "A new, empty directory for the backup.") var directory: String
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingFailures {
            let storage = try options.load().configuration.storage
            guard storage.engine == .sqlite else {
                throw CommandFailure(message: "storage.engine is postgres: back the database up with pg_dump (README, \"Backup and restore\")")
            }
            guard let source = DataDirectory.existing(storage.dataDirectory) else {
                throw CommandFailure(message: "no data directory at \(storage.dataDirectory): the daemon has not run here yet")
            }
            let started = ContinuousClock.now
            let manifest = try await OnlineBackup.backup(from: source, to: directory, busyTimeout: storage.busyTimeout)
            print(
                "backed up \(source.path) to \(directory) in \(String(format: "%.2f", (ContinuousClock.now - started).timeInterval)) s: ledger of \(manifest.ledgerEntries) entries (verified), vault without tokens, \(manifest.files.count) files"
            )
        }
    }
}

/// `baton restore BACKUP --data-dir DIR`: a backup made into a new data directory, only if it checks out.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract:
            "Restore a backup into a new data directory, refusing one whose files changed, whose ledger does not verify or whose vault does not open."
    )

    @Argument(help: "The backup directory `baton backup` wrote.") var backup: String
    @Option(name: .long, help: "The new data directory (must not exist or be empty).") var dataDir: String

    func run() async throws {
        try await reportingFailures {
            let manifest = try await OnlineBackup.restore(
                from: backup, to: dataDir, environment: ProcessInfo.processInfo.environment, busyTimeout: .seconds(5))
            print("restored the backup of \(manifest.source) (\(manifest.ledgerEntries) ledger entries, verified) into \(dataDir)")
        }
    }
}
