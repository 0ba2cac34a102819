/// `server.connections:` — how long a client may take and how many connections it may
/// hold, so that slow or idle clients cannot starve the daemon of sockets.
///
/// ```yaml
/// server:
///   connections:
///     max: 4096             # open connections in all; beyond it new ones are closed at once
///     max_per_peer: 256     # open connections from one address
///     head_timeout: 10s     # from the connection (or the previous answer) to a complete request head
///     body_timeout: 30s     # from the head to the end of the request body
///     idle_timeout: 60s     # a keep-alive connection with nothing to read
///     write_timeout: 30s    # an answer the client does not read
/// ```
public struct ConnectionSettings: Sendable, Equatable {
    public var maximum: Int
    public var maximumPerPeer: Int
    public var headTimeout: Duration
    public var bodyTimeout: Duration
    public var idleTimeout: Duration
    public var writeTimeout: Duration

    public init(
        maximum: Int = 4096, maximumPerPeer: Int = 256, headTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(30)
    ) {
        self.maximum = maximum
        self.maximumPerPeer = maximumPerPeer
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = ConnectionSettings()
        maximum = try section.value("max", default: defaults.maximum)
        guard maximum >= 1 else { throw section.invalid("max", "must be at least 1") }
        maximumPerPeer = try section.value("max_per_peer", default: defaults.maximumPerPeer)
        guard (1...maximum).contains(maximumPerPeer) else { throw section.invalid("max_per_peer", "must be between 1 and max (\(maximum))") }
        headTimeout = try section.value("head_timeout", default: defaults.headTimeout)
        bodyTimeout = try section.value("body_timeout", default: defaults.bodyTimeout)
        idleTimeout = try section.value("idle_timeout", default: defaults.idleTimeout)
        writeTimeout = try section.value("write_timeout", default: defaults.writeTimeout)
        for (key, value) in [
            ("head_timeout", headTimeout), ("body_timeout", bodyTimeout), ("idle_timeout", idleTimeout), ("write_timeout", writeTimeout),
        ]
        where value <= .zero {
            throw section.invalid(key, "must be positive")
        }
        try section.finish()
    }
}
