/// The `log:` section: how much the daemon says and in which shape.
public struct LogSettings: Sendable, Equatable {
    /// Human-readable lines or one JSON object per line.
    public enum Format: String, ConfigChoice, Sendable {
        case text
        case json
    }

    /// The lowest level written, named as swift-log names them.
    public enum Level: String, ConfigChoice, Sendable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var level: Level
    public var format: Format

    public init(level: Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = LogSettings()
        self.level = try section.value("level", default: defaults.level)
        self.format = try section.value("format", default: defaults.format)
        try section.finish()
    }
}
