import Foundation

/// The `server:` section: where the daemon listens and how it stops.
public struct ServerSettings: Sendable, Equatable {
    /// Where the HTTP API listens. Default `127.0.0.1:8080`.
    public var listen: ListenAddress
    /// How long in-flight requests may take to finish after SIGTERM before they are cancelled. Default 10 s.
    public var shutdownTimeout: Duration
    /// How often memory the allocator holds free is handed back to the system. Default 10 s; 0 never.
    public var memoryTrimInterval: Duration
    /// The URL clients reach the daemon at (`https://baton.example.com`), written into A2A
    /// agent cards. Default: none — cards name the scheme and `Host` of the request.
    public var publicURL: String?
    /// Connection limits and timeouts (``ConnectionSettings``).
    public var connections: ConnectionSettings

    public init(
        listen: ListenAddress = .init(host: "127.0.0.1", port: 8080), shutdownTimeout: Duration = .seconds(10),
        memoryTrimInterval: Duration = .seconds(10), publicURL: String? = nil, connections: ConnectionSettings = .init()
    ) {
        self.publicURL = publicURL
        self.connections = connections
        self.listen = listen
        self.shutdownTimeout = shutdownTimeout
        self.memoryTrimInterval = memoryTrimInterval
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = ServerSettings()
        self.listen = try section.value("listen", default: defaults.listen)
        self.shutdownTimeout = try section.value("shutdown_timeout", default: defaults.shutdownTimeout)
        self.memoryTrimInterval = try section.value("memory_trim_interval", default: defaults.memoryTrimInterval)
        if let url: String = try section.optionalValue("public_url") {
            guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased()), parsed.host?.isEmpty == false,
                parsed.query == nil, parsed.fragment == nil
            else { throw section.invalid("public_url", "must be an http(s) URL without query or fragment, such as https://baton.example.com") }
            self.publicURL = String(url.reversed().drop { $0 == "/" }.reversed())
        }
        self.connections = try ConnectionSettings(section: section.section("connections"))
        try section.finish()
    }
}
