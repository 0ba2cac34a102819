/// The `server:` section: where the daemon listens and how it stops.
public struct ServerSettings: Sendable, Equatable {
    /// Where the HTTP API listens. Default `127.0.0.1:8080`.
    public var listen: ListenAddress
    /// How long in-flight requests may take to finish after SIGTERM before they are cancelled. Default 10 s.
    public var shutdownTimeout: Duration
    /// How often memory the allocator holds free is handed back to the system. Default 10 s; 0 never.
    public var memoryTrimInterval: Duration

    public init(
        listen: ListenAddress = .init(host: "127.0.0.1", port: 8080), shutdownTimeout: Duration = .seconds(10),
        memoryTrimInterval: Duration = .seconds(10)
    ) {
        self.listen = listen
        self.shutdownTimeout = shutdownTimeout
        self.memoryTrimInterval = memoryTrimInterval
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = ServerSettings()
        self.listen = try section.value("listen", default: defaults.listen)
        self.shutdownTimeout = try section.value("shutdown_timeout", default: defaults.shutdownTimeout)
        self.memoryTrimInterval = try section.value("memory_trim_interval", default: defaults.memoryTrimInterval)
        try section.finish()
    }
}
