import BatonCore
import Foundation

/// The `storage:` section: which engine holds the vault and the ledger, and where.
public struct StorageSettings: Sendable, Equatable {
    /// The storage engines Baton can run on.
    public enum Engine: String, ConfigChoice, Sendable {
        /// Embedded SQLite files in the data directory; the default.
        case sqlite
        /// A PostgreSQL database several daemons share (`storage.postgres`).
        case postgres
    }

    public var engine: Engine
    /// The directory holding the database files and keys; created 0700. Default `./.baton`.
    public var dataDirectory: String
    /// How long a SQLite write waits for another writer's lock before failing. Default 5 s.
    public var busyTimeout: Duration
    /// SQLite page cache per connection of the vault and the ledger, in KiB. Default 2048.
    public var cacheKiB: Int
    /// SQLite page cache per connection of the ledger's query index, in KiB. Default 8192.
    public var indexCacheKiB: Int
    /// Reader connections per store at most. Default 4.
    public var maximumReaders: Int
    /// A file outside the data directory the daemon appends every signed ledger checkpoint
    /// to (one JSON object per line); `baton audit verify` then checks the ledger against it,
    /// so a rolled-back or rewritten ledger is found even when its own checkpoints were
    /// deleted with it. Default: none.
    public var checkpointLog: String?
    /// The ledger's name as a transparency log (C2SP tlog-checkpoint origin, and the name
    /// of its note key): by default `<host>/baton/ledger`, the host of `server.public_url`
    /// or else this machine's name (``ledgerOrigin(publicURL:)``).
    public var ledgerOrigin: String?
    /// What the ledger's transparency log publishes beside its checkpoints and hash tiles
    /// (`GET /tile/...`, `baton audit export-tiles`): `hashes` (the default) or `entries`.
    public var ledgerPublish: LedgerPublication
    /// How often a signed checkpoint is published while entries arrive (also every 10,000
    /// entries, and at shutdown). Default 60 s.
    public var checkpointInterval: Duration
    /// C2SP tlog-witnesses asked to cosign every checkpoint; their cosignatures are kept
    /// with it and published at `/checkpoint`. Default: none.
    public var witnesses: [WitnessSetting]
    /// The shared database, when `engine` is `postgres`.
    public var postgres: PostgresSettings?

    /// One witness: its submission prefix (requests go to `<url>/add-checkpoint`) and its
    /// cosignature verifier key (`<name>+<hash>+<base64 of 0x04 ‖ Ed25519 key>`).
    public struct WitnessSetting: Sendable, Equatable {
        public var url: String
        public var key: String

        public init(url: String, key: String) {
            self.url = url
            self.key = key
        }
    }

    public init(
        engine: Engine = .sqlite, dataDirectory: String = "./.baton", busyTimeout: Duration = .seconds(5), cacheKiB: Int = 2_048,
        indexCacheKiB: Int = 8_192, maximumReaders: Int = 4
    ) {
        self.engine = engine
        self.dataDirectory = dataDirectory
        self.busyTimeout = busyTimeout
        self.cacheKiB = cacheKiB
        self.indexCacheKiB = indexCacheKiB
        self.maximumReaders = maximumReaders
        self.checkpointLog = nil
        self.ledgerOrigin = nil
        self.ledgerPublish = .hashes
        self.checkpointInterval = .seconds(60)
        self.witnesses = []
        self.postgres = nil
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = StorageSettings()
        self.engine = try section.value("engine", default: defaults.engine)
        self.dataDirectory = try section.value("data_dir", default: defaults.dataDirectory)
        guard !dataDirectory.isEmpty else { throw section.invalid("data_dir", "must not be empty") }
        let sqlite = try section.section("sqlite")
        self.busyTimeout = try sqlite.value("busy_timeout", default: defaults.busyTimeout)
        self.cacheKiB = try sqlite.value("cache_kib", default: defaults.cacheKiB)
        guard (64...1_048_576).contains(cacheKiB) else { throw sqlite.invalid("cache_kib", "must be between 64 and 1048576 (1 GiB)") }
        self.indexCacheKiB = try sqlite.value("index_cache_kib", default: defaults.indexCacheKiB)
        guard (64...1_048_576).contains(indexCacheKiB) else { throw sqlite.invalid("index_cache_kib", "must be between 64 and 1048576 (1 GiB)") }
        self.maximumReaders = try sqlite.value("max_readers", default: defaults.maximumReaders)
        guard (1...64).contains(maximumReaders) else { throw sqlite.invalid("max_readers", "must be between 1 and 64") }
        try sqlite.finish()
        let postgres = try section.section("postgres")
        if engine == .postgres {
            self.postgres = try PostgresSettings(section: postgres)
        } else {
            guard !postgres.isPresent else {
                throw section.invalid("postgres", "is set but engine is \(engine.rawValue); set engine: postgres to use it")
            }
            self.postgres = nil
        }
        self.checkpointLog = try section.optionalValue("checkpoint_log")
        if let checkpointLog, Self.isInside(checkpointLog, dataDirectory) {
            throw section.invalid(
                "checkpoint_log", "must be outside data_dir (\(dataDirectory)): a copy inside it can be cut or rewritten with the ledger")
        }
        self.ledgerOrigin = try section.optionalValue("ledger_origin")
        if let ledgerOrigin, !NoteKeyName.isValid(ledgerOrigin) {
            throw section.invalid("ledger_origin", "must be non-empty with no spaces and no '+' (it names the ledger's note key)")
        }
        self.ledgerPublish = try section.value("ledger_publish", default: defaults.ledgerPublish)
        self.checkpointInterval = try section.value("checkpoint_interval", default: defaults.checkpointInterval)
        guard checkpointInterval >= .seconds(1), checkpointInterval <= .seconds(86_400) else {
            throw section.invalid("checkpoint_interval", "must be between 1s and 24h")
        }
        self.witnesses = try section.sections("witnesses").map { witness throws(ConfigError) in
            let url: String = try witness.requiredValue("url")
            guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme), parsed.host?.isEmpty == false else {
                throw witness.invalid("url", "must be an http:// or https:// URL (the witness's submission prefix)")
            }
            let key: String = try witness.requiredValue("key")
            guard Self.isCosignatureKey(key) else {
                throw witness.invalid("key", "must be the witness's cosignature key: <name>+<8 hex digits>+<base64 of 0x04 and its Ed25519 key>")
            }
            try witness.finish()
            return WitnessSetting(url: url, key: key)
        }
        try section.finish()
    }

    /// Whether `key` has the form of a tlog-cosignature verifier key (the server checks its hash).
    static func isCosignatureKey(_ key: String) -> Bool {
        let parts = key.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, NoteKeyName.isValid(String(parts[0])), parts[1].count == 8, UInt32(parts[1], radix: 16) != nil,
            let bytes = Data(base64Encoded: String(parts[2]))
        else { return false }
        return bytes.count == 33 && bytes.first == 0x04
    }

    /// Whether `path` is `directory` or lies under it (both made absolute, `.` and `..` resolved).
    static func isInside(_ path: String, _ directory: String) -> Bool {
        func absolute(_ path: String) -> [Substring] {
            let current = FileManager.default.currentDirectoryPath
            let full = path.hasPrefix("/") ? path : current + "/" + path
            var parts: [Substring] = []
            for part in full.split(separator: "/") where part != "." {
                if part == ".." { _ = parts.popLast() } else { parts.append(part) }
            }
            return parts
        }
        let inner = absolute(path)
        let outer = absolute(directory)
        return inner.count >= outer.count && Array(inner.prefix(outer.count)) == outer
    }

    /// The ledger's origin: `ledger_origin`, or `<host>/baton/ledger` from `publicURL` or the machine's name.
    public func ledgerOrigin(publicURL: String?) -> String {
        if let ledgerOrigin { return ledgerOrigin }
        let host = publicURL.flatMap { URLComponents(string: $0)?.host } ?? ProcessInfo.processInfo.hostName
        let origin = "\(host)/baton/ledger"
        return NoteKeyName.isValid(origin) ? origin : "localhost/baton/ledger"
    }
}
