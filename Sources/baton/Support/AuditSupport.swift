import BatonCore
import BatonLedger
import BatonServer
import BatonStorage
import BatonVault
import Foundation
import Logging

/// The configured ledger, opened for reading by the `baton audit` commands: the SQLite
/// files of the data directory, or the PostgreSQL database daemons share.
struct AuditStore {
    /// The data directory (SQLite).
    let directory: DataDirectory?
    /// The shared database (PostgreSQL).
    let postgres: PostgresStorage?
    let busyTimeout: Duration
    /// `storage.checkpoint_log`, when configured.
    let checkpointLog: String?
    /// The ledger's origin (``StorageSettings/ledgerOrigin(publicURL:)``).
    let origin: String
    /// `storage.ledger_publish`.
    let publication: LedgerPublication
    /// `storage.witnesses`' cosignature keys.
    let witnessKeys: [String]

    static func open(_ options: ConfigOptions) async throws -> AuditStore {
        let configuration = try options.load().configuration
        let storage = configuration.storage
        var directory: DataDirectory?
        var postgres: PostgresStorage?
        if let settings = storage.postgres {
            postgres = try await PostgresStorage.open(PostgresEndpoint(settings), logger: Logger(label: "baton.audit"))
        } else {
            guard let existing = DataDirectory.existing(storage.dataDirectory) else {
                throw CommandFailure(message: "no data directory at \(storage.dataDirectory): the daemon has not run here yet")
            }
            directory = existing
        }
        return AuditStore(
            directory: directory, postgres: postgres, busyTimeout: storage.busyTimeout, checkpointLog: storage.checkpointLog,
            origin: storage.ledgerOrigin(publicURL: configuration.server.publicURL), publication: storage.ledgerPublish,
            witnessKeys: storage.witnesses.map(\.key))
    }

    /// The ledger's entries and, when there is one, its query index (queries are exact without it).
    func reader() async throws -> LedgerReader {
        if let postgres {
            return LedgerReader(records: PostgresLedgerRecords(database: postgres), index: PostgresLedgerIndex(database: postgres))
        }
        do {
            guard let directory, let reader = try LedgerStore.openReader(in: directory, busyTimeout: busyTimeout) else {
                throw CommandFailure(message: "no ledger in \(directory?.path ?? "the data directory") yet")
            }
            return reader
        } catch let error as LedgerError {
            throw CommandFailure(message: error.description)
        }
    }

    /// The witnesses' keys, parsed.
    func witnesses() throws -> [NoteVerifierKey] {
        try witnessKeys.map { key in
            do {
                return try NoteVerifierKey(parsing: key)
            } catch {
                throw CommandFailure(message: "storage.witnesses: \(error)")
            }
        }
    }

    /// The ledger's signing key: the data directory's, or the one daemons share in
    /// PostgreSQL (which `BATON_VAULT_KEY` opens).
    func signer() async throws -> CheckpointSigner {
        if let postgres {
            guard let key = try VaultKeyring.sealingKey(from: ProcessInfo.processInfo.environment) else { throw VaultError.sharedKeyringNeedsKey }
            return try await CheckpointSigner.load(from: postgres, sealingKey: key)
        }
        return try CheckpointSigner.load(from: directory!)
    }
}

/// `--since 24h` or an ISO 8601 time.
enum AuditTime {
    static func parse(_ text: String) throws -> Date {
        let units: [(String, TimeInterval)] = [("m", 60), ("h", 3600), ("d", 86_400)]
        if let unit = units.first(where: { text.hasSuffix($0.0) }), let amount = Double(text.dropLast()) {
            return Date().addingTimeInterval(-amount * unit.1)
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw CommandFailure(message: "'\(text)' is neither a duration such as 24h or 7d nor an ISO 8601 time")
    }
}

/// Ledger entries as a table, JSON lines or CSV.
struct AuditOutput {
    enum Format: String, CaseIterable {
        case table, json, csv
    }

    let format: Format

    func print(_ page: LedgerQuery.Page) {
        switch format {
        case .json:
            for entry in page.entries { Swift.print(String(decoding: (try? JSONEncoder.sorted.encode(entry)) ?? Data(), as: UTF8.self)) }
        case .csv:
            Swift.print("seq,time,chain,hop,kind,user,agent,actor_path,target,resource,operation,status,decision,reason,token_source,latency_us")
            for entry in page.entries { Swift.print(fields(entry).map(csv).joined(separator: ",")) }
        case .table:
            var rows = [["SEQ", "TIME", "CHAIN", "HOP", "KIND", "USER", "AGENT", "TARGET", "RESOURCE", "STATUS", "DECISION"]]
            for entry in page.entries {
                let all = fields(entry)
                rows.append([all[0], all[1], String(all[2].prefix(13)), all[3], all[4], all[5], all[6], all[8], all[9], all[11], all[12]])
            }
            Swift.print(TextTable(rows: rows).rendered)
        }
        if let next = page.nextCursor, format == .table { Swift.print("more: --after \(next)") }
    }

    private func fields(_ entry: LedgerEntry) -> [String] {
        let time = Date(timeIntervalSince1970: TimeInterval(entry.timestamp) / 1_000_000).formatted(.iso8601)
        return [
            "\(entry.sequence)", time, entry.chainID, "\(entry.hop)", entry.kind.rawValue, entry.user?.username ?? entry.user?.objectID ?? "-",
            entry.agent ?? "-", entry.actorPath.joined(separator: ">"), entry.target ?? "-", entry.resource ?? "-", entry.operation ?? "-",
            entry.status.map(String.init) ?? "-", entry.decision?.rawValue ?? "-", entry.reason ?? "-", entry.tokenSource ?? "-",
            entry.latencyMicroseconds.map(String.init) ?? "-",
        ]
    }

    private func csv(_ field: String) -> String {
        field.contains(where: { ",\"\n".contains($0) }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}
