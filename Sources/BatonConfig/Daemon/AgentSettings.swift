/// The `agents:` section: where agent definitions are read from.
public struct AgentSettings: Sendable, Equatable {
    /// The directory of `*.yaml` agent definitions. Default `agents`.
    public var directory: String

    public init(directory: String = "agents") {
        self.directory = directory
    }

    init(section: ConfigSection) throws(ConfigError) {
        self.directory = try section.value("dir", default: AgentSettings().directory)
        guard !directory.isEmpty else { throw section.invalid("dir", "must not be empty") }
        try section.finish()
    }
}
