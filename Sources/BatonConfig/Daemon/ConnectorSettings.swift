/// The `connectors:` section: where connector definitions are read from.
public struct ConnectorSettings: Sendable, Equatable {
    /// The directory of `*.yaml` connector definitions. Default `connectors`.
    public var directory: String

    public init(directory: String = "connectors") {
        self.directory = directory
    }

    init(section: ConfigSection) throws(ConfigError) {
        self.directory = try section.value("dir", default: ConnectorSettings().directory)
        guard !directory.isEmpty else { throw section.invalid("dir", "must not be empty") }
        try section.finish()
    }
}
