import BatonCore
import Foundation

/// The `storage:` section: which engine holds the vault and the ledger, and where.
public struct StorageSettings: Sendable, Equatable {
    /// The storage engines Baton can run on.
    public enum Engine: String, ConfigChoice, Sendable {
        /// Embedded SQLite files in the data directory; the default.
        case sqlite
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
        try section.finish()
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
