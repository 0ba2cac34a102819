import BatonCore
import BatonLedger
import BatonStorage
import Foundation

/// The configured ledger, opened for reading by the `baton audit` commands.
struct AuditStore {
    let directory: DataDirectory
    let busyTimeout: Duration
    /// `storage.checkpoint_log`, when configured.
    let checkpointLog: String?
    /// The ledger's origin (``StorageSettings/ledgerOrigin(publicURL:)``).
    let origin: String
    /// `storage.ledger_publish`.
    let publication: LedgerPublication
    /// `storage.witnesses`' cosignature keys.
    let witnessKeys: [String]

    init(_ options: ConfigOptions) throws {
        let configuration = try options.load().configuration
        let storage = configuration.storage
        self.origin = storage.ledgerOrigin(publicURL: configuration.server.publicURL)
        self.publication = storage.ledgerPublish
        self.witnessKeys = storage.witnesses.map(\.key)
        guard let directory = DataDirectory.existing(storage.dataDirectory) else {
            throw CommandFailure(message: "no data directory at \(storage.dataDirectory): the daemon has not run here yet")
        }
        self.directory = directory
        self.busyTimeout = storage.busyTimeout
        self.checkpointLog = storage.checkpointLog
    }

    /// The ledger's entries and, when there is one, its query index (queries are exact without it).
    func reader() throws -> LedgerReader {
        do {
            guard let reader = try LedgerStore.openReader(in: directory, busyTimeout: busyTimeout) else {
                throw CommandFailure(message: "no ledger in \(directory.path) yet")
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

    func signer() throws -> CheckpointSigner {
        try CheckpointSigner.load(from: directory)
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
