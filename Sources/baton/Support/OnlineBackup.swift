import BatonCore
import BatonLedger
import BatonStorage
import BatonVault
import Foundation
import GRDB

/// A consistent copy of a running daemon's SQLite stores and keys, and its way back.
///
/// Each database is copied with SQLite's online backup API in one step, on a read
/// snapshot, so the copy is exactly the database at one moment while the daemon goes on
/// writing. The keys are copied as they are: the daemon never changes them while it runs
/// (rotation and purges need the daemon stopped). The query index is not copied — it is
/// derived, and the daemon rebuilds it.
///
/// **No token leaves in a backup.** The vault's sealed tokens and the users' data keys are
/// removed from the copy (and the file vacuumed, so their bytes are gone): a backup never
/// holds a live credential, and restoring one can never resurrect the tokens of a user
/// purged after it was taken. Tokens are a cache; the first request after a restore
/// exchanges afresh.
enum OnlineBackup {
    static let stores: [StoreName] = [.ledger, .vault, .tasks]
    static let keyFiles = [CheckpointSigner.fileName, "fingerprint.key", VaultKeyring.fileName]
    static let manifestName = "backup.json"

    /// What `backup.json` records: when, of which ledger, and every file's SHA-256.
    struct Manifest: Codable {
        var createdAt: Date
        var source: String
        var ledgerEntries: Int64
        var ledgerHead: String
        var files: [String: String]

        enum CodingKeys: String, CodingKey {
            case createdAt = "created_at"
            case source
            case ledgerEntries = "ledger_entries"
            case ledgerHead = "ledger_head"
            case files
        }
    }

    /// Copies `source`'s stores and keys into the new directory `target`.
    static func backup(from source: DataDirectory, to target: String, busyTimeout: Duration) async throws -> Manifest {
        let destination = try emptyDirectory(target)
        var files: [String: String] = [:]
        for store in stores {
            let name = SQLiteStore.fileName(for: store)
            guard let database = try SQLiteStore.openReadOnly(store, in: source, busyTimeout: busyTimeout) else {
                throw CommandFailure(message: "\(source.file(name)) does not exist: has the daemon run with this data directory?")
            }
            let copy = try DatabaseQueue(path: destination.file(name))
            try database.backup(to: copy)
            if store == .vault {
                try await copy.write { db in try db.execute(sql: "DELETE FROM vault_entries; DELETE FROM vault_user_keys") }
                try await copy.vacuum()
            }
            try copy.close()
            try database.close()
        }
        for name in keyFiles where FileManager.default.fileExists(atPath: source.file(name)) {
            try FileManager.default.copyItem(atPath: source.file(name), toPath: destination.file(name))
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: destination.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination.file(name))
            files[name] = FileDigest.sha256(of: destination.file(name))
        }
        let report = try await verifyLedger(in: destination, what: "the copied ledger")
        let manifest = Manifest(
            createdAt: Date(), source: source.path, ledgerEntries: report.entries, ledgerHead: report.head, files: files)
        let encoder = JSONEncoder.sorted
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(manifest)
        try data.write(to: URL(fileURLWithPath: destination.file(manifestName)))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: destination.file(manifestName))
        return manifest
    }

    /// Checks `backup` (every file as the manifest recorded it, the ledger verifies, the
    /// vault opens with its keyring) and only then makes it the new data directory `target`.
    static func restore(from backup: String, to target: String, environment: [String: String], busyTimeout: Duration) async throws -> Manifest {
        guard let source = DataDirectory.existing(backup), FileManager.default.fileExists(atPath: source.file(manifestName)) else {
            throw CommandFailure(message: "\(backup) is not a backup: it has no \(manifestName)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let manifest = try? decoder.decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: source.file(manifestName)))) else {
            throw CommandFailure(message: "\(source.file(manifestName)) is not a manifest baton backup wrote")
        }
        for (name, digest) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard FileDigest.sha256(of: source.file(name)) == digest else {
                throw CommandFailure(message: "\(source.file(name)) is not the file the backup wrote (missing or changed); nothing was restored")
            }
        }
        _ = try await verifyLedger(in: source, what: "the backup's ledger")
        let staging = target + ".restoring-\(UUID().uuidString.prefix(8))"
        do {
            let directory = try emptyDirectory(staging)
            for name in manifest.files.keys { try FileManager.default.copyItem(atPath: source.file(name), toPath: directory.file(name)) }
            let database = try SQLiteStore.open(.vault, in: directory, busyTimeout: busyTimeout, logger: .init(label: "baton.restore"))
            do {
                _ = try await TokenVault.open(in: directory, store: SQLiteVaultStore(database: database), environment: environment)
            } catch {
                try? database.close()
                throw CommandFailure(
                    message: "the backup's vault does not open with its keyring (is BATON_VAULT_KEY the one it was sealed with?): \(error)")
            }
            try database.close()
            _ = try emptyDirectory(target)
            try FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: staging, toPath: target)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        return manifest
    }

    /// `path` as a new, empty data directory (0700); an existing non-empty one is refused.
    private static func emptyDirectory(_ path: String) throws -> DataDirectory {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: path), !contents.isEmpty {
            throw CommandFailure(message: "\(path) is not empty; give a new directory")
        }
        do {
            return try DataDirectory.prepare(path)
        } catch {
            throw CommandFailure(message: error.description)
        }
    }

    /// Verifies the ledger in `directory` with the signing key beside it.
    private static func verifyLedger(in directory: DataDirectory, what: String) async throws -> (entries: Int64, head: String) {
        guard let reader = try LedgerStore.openReader(in: directory, busyTimeout: .seconds(5)) else {
            throw CommandFailure(message: "\(what) is missing")
        }
        guard FileManager.default.fileExists(atPath: directory.file(CheckpointSigner.fileName)) else {
            throw CommandFailure(message: "\(what) has no signing key (\(CheckpointSigner.fileName)) beside it")
        }
        let signer = try CheckpointSigner.load(from: directory)
        let report = try await LedgerVerifier(records: reader.records, publicKey: signer.publicKey).verify()
        if let problem = report.problems.min(by: { $0.sequence < $1.sequence }) {
            throw CommandFailure(
                message:
                    "\(what) does not verify: first bad entry \(problem.sequence) (\(problem)); \(report.problems.count) problem(s); nothing was restored"
            )
        }
        let head = try await reader.records.head()
        removeReadersFiles(in: directory)
        return (report.entries, head.map { Hex.encode($0.hash) } ?? "")
    }

    /// The empty `-wal` and the `-shm` a reader leaves beside a WAL-mode copy: not part of it.
    private static func removeReadersFiles(in directory: DataDirectory) {
        for store in stores {
            let database = directory.file(SQLiteStore.fileName(for: store))
            let wal = (try? FileManager.default.attributesOfItem(atPath: database + "-wal")[.size] as? Int) ?? nil
            guard wal == 0 else { continue }
            try? FileManager.default.removeItem(atPath: database + "-wal")
            try? FileManager.default.removeItem(atPath: database + "-shm")
        }
    }
}
