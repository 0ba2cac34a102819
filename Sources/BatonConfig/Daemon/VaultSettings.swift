/// The `vault:` section: the token vault's tiers and housekeeping.
///
/// The master key itself is not configured here: it lives in `vault.keyring` in the data
/// directory, sealed with `BATON_VAULT_KEY` when that variable is set.
public struct VaultSettings: Sendable, Equatable {
    /// Tokens kept in memory (least recently used are dropped first). Default 10000.
    public var hotCapacity: Int
    /// How long a long-running session may go on with its refresh token. Default 8 h.
    public var longRunningMaximumAge: Duration
    /// How often expired entries are swept and lookup counters saved. Default 5 m.
    public var sweepInterval: Duration

    public init(hotCapacity: Int = 10_000, longRunningMaximumAge: Duration = .seconds(8 * 3600), sweepInterval: Duration = .seconds(300)) {
        self.hotCapacity = hotCapacity
        self.longRunningMaximumAge = longRunningMaximumAge
        self.sweepInterval = sweepInterval
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = VaultSettings()
        self.hotCapacity = try section.value("hot_capacity", default: defaults.hotCapacity)
        guard hotCapacity >= 1 else { throw section.invalid("hot_capacity", "must be at least 1") }
        self.longRunningMaximumAge = try section.value("long_running_max_age", default: defaults.longRunningMaximumAge)
        self.sweepInterval = try section.value("sweep_interval", default: defaults.sweepInterval)
        guard sweepInterval >= .seconds(1) else { throw section.invalid("sweep_interval", "must be at least 1s") }
        try section.finish()
    }
}
