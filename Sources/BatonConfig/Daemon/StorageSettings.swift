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

    public init(engine: Engine = .sqlite, dataDirectory: String = "./.baton", busyTimeout: Duration = .seconds(5)) {
        self.engine = engine
        self.dataDirectory = dataDirectory
        self.busyTimeout = busyTimeout
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = StorageSettings()
        self.engine = try section.value("engine", default: defaults.engine)
        self.dataDirectory = try section.value("data_dir", default: defaults.dataDirectory)
        guard !dataDirectory.isEmpty else { throw section.invalid("data_dir", "must not be empty") }
        let sqlite = try section.section("sqlite")
        self.busyTimeout = try sqlite.value("busy_timeout", default: defaults.busyTimeout)
        try sqlite.finish()
        try section.finish()
    }
}
