/// Everything the daemon reads from `baton.yaml`, the environment and embedded defaults.
///
/// Precedence, highest first: a `BATON_…` environment variable named after the key path,
/// the YAML file (with `${VAR}` interpolation), the embedded default. With no file at all
/// Baton runs on its defaults: SQLite in `./.baton`, listening on `127.0.0.1:8080`.
///
/// ```swift
/// let loaded = try BatonConfiguration.load(file: "baton.yaml", environment: ProcessInfo.processInfo.environment)
/// print(loaded.configuration.server.listen)
/// ```
public struct BatonConfiguration: Sendable, Equatable {
    public var server: ServerSettings
    public var log: LogSettings
    public var storage: StorageSettings
    public var agents: AgentSettings
    public var connectors: ConnectorSettings
    public var identity: IdentitySettings
    public var vault: VaultSettings
    public var agentcore: AgentCoreSettings
    public var console: ConsoleSettings
    public var tracing: TracingSettings

    public init(
        server: ServerSettings = .init(),
        log: LogSettings = .init(),
        storage: StorageSettings = .init(),
        agents: AgentSettings = .init(),
        connectors: ConnectorSettings = .init(),
        identity: IdentitySettings = .init(),
        vault: VaultSettings = .init(),
        agentcore: AgentCoreSettings = .init(),
        console: ConsoleSettings = .init(),
        tracing: TracingSettings = .init()
    ) {
        self.server = server
        self.log = log
        self.storage = storage
        self.agents = agents
        self.connectors = connectors
        self.identity = identity
        self.vault = vault
        self.agentcore = agentcore
        self.console = console
        self.tracing = tracing
    }

    /// Environment variables that start with `BATON_` but are read by something other than this file.
    public static let reservedVariables: Set<String> = ["BATON_CONFIG", "BATON_VAULT_KEY"]

    /// The result of loading: the configuration and what the loader wants the operator to know.
    public struct Loaded: Sendable {
        public var configuration: BatonConfiguration
        /// Where the configuration came from, for logs: the file path or "(no configuration file)".
        public var source: String
        /// Non-fatal findings, such as a `BATON_…` variable that matches no key.
        public var warnings: [String]
    }

    /// Reads `file` (or only defaults and the environment when `file` is `nil`).
    public static func load(file: String?, environment: [String: String]) throws(ConfigError) -> Loaded {
        let document =
            try file.map { path throws(ConfigError) in try ConfigDocument(contentsOf: path, environment: environment) }
            ?? ConfigDocument(environment: environment)
        let configuration = try BatonConfiguration(root: document.rootSection())
        let warnings = document.unusedOverrides(ignoring: reservedVariables).map {
            "environment variable \($0) matches no configuration key and is ignored"
        }
        return Loaded(configuration: configuration, source: document.path, warnings: warnings)
    }

    /// Decodes the configuration from a document's top-level section.
    public init(root: ConfigSection) throws(ConfigError) {
        self.server = try ServerSettings(section: root.section("server"))
        self.log = try LogSettings(section: root.section("log"))
        self.storage = try StorageSettings(section: root.section("storage"))
        self.agents = try AgentSettings(section: root.section("agents"))
        self.connectors = try ConnectorSettings(section: root.section("connectors"))
        self.identity = try IdentitySettings(section: root.section("identity"))
        self.vault = try VaultSettings(section: root.section("vault"))
        self.agentcore = try AgentCoreSettings(section: root.section("agentcore"))
        let consoleSection = try root.section("console")
        self.console = try ConsoleSettings(section: consoleSection)
        if let issuer = console.issuer, !identity.issuers.contains(where: { $0.name == issuer }) {
            throw consoleSection.invalid("issuer", "'\(issuer)' is not the name of an issuer in identity.issuers")
        }
        self.tracing = try TracingSettings(section: root.section("tracing"))
        try root.finish()
    }
}
