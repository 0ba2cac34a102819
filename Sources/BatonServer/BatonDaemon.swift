import BatonAgentCore
import BatonAgents
import BatonConfig
import BatonCore
import BatonIdentity
import BatonLedger
import BatonListeners
import BatonStorage
import BatonVault
internal import Crypto
import Foundation
import Hummingbird
import Logging
import Metrics
internal import NIOCore
import Prometheus
import ServiceLifecycle

/// The Baton daemon: its HTTP API and the services behind it, built from one configuration.
///
/// The one place that wires modules together. `baton serve` runs it until SIGTERM or
/// SIGINT; tests build the application and drive it with HummingbirdTesting.
///
/// ```swift
/// let daemon = BatonDaemon(configuration: loaded.configuration, logger: logger)
/// try await daemon.run()
/// ```
public struct BatonDaemon: Sendable {
    public let configuration: BatonConfiguration
    public let readiness: Readiness
    public let metrics: PrometheusCollectorRegistry
    let logger: Logger
    public let storage: StorageService
    /// Verifies bearer tokens on `/v1`; `nil` when no issuer is configured.
    let verifier: TokenVerifier?
    /// The agents and connectors, checked at startup.
    let agents: AgentSystem
    /// Tells systemd when the daemon is ready, alive and stopping (`Type=notify`).
    let notifier: SystemdNotifier
    /// The AgentCore workload identities, when `agentcore.enabled`.
    var workloads: WorkloadCatalog? { agents.workloads }
    /// The file the configuration was read from, read again by ``reload()``.
    let configurationFile: String?
    let environment: [String: String]
    /// Tells MCP clients when an agent's tools change (an MCP server's list, a reload).
    let toolChanges: ToolListChanges
    /// Exports the process's spans (`tracing.enabled`); `nil` when tracing is off.
    let traceExport: (any Service)?

    /// Prepares the data directory and its fingerprint key, and builds the services.
    ///
    /// - Parameters:
    ///   - metrics: where the daemon's own metrics go; `/metrics` serves this registry.
    ///   - environment: the process environment; the vault reads `BATON_VAULT_KEY` from it,
    ///     agent and connector files interpolate `${VAR}` from it.
    /// - Throws: ``StorageError`` when the data directory or its key cannot be used;
    ///   ``ConfigError`` naming the file and field when an agent or connector definition is wrong;
    ///   ``TracingSetupError`` when the traces exporter cannot be built.
    public init(
        configuration: BatonConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        environment: [String: String] = ProcessInfo.processInfo.environment, configurationFile: String? = nil
    ) throws {
        self.configuration = configuration
        self.configurationFile = configurationFile
        self.environment = environment
        self.logger = logger
        self.metrics = metrics
        self.readiness = Readiness()
        self.notifier = SystemdNotifier(environment: environment, readiness: readiness)
        self.storage = StorageService(
            settings: configuration.storage, origin: configuration.storage.ledgerOrigin(publicURL: configuration.server.publicURL),
            vault: configuration.vault, environment: environment,
            metrics: PrometheusMetricsFactory(registry: metrics),
            readiness: readiness, logger: logger)
        let fingerprinter = TokenFingerprinter(key: try Self.fingerprintKey(configuration.storage, environment: environment))
        self.verifier = TokenVerifier(configuration.identity, fingerprinter: fingerprinter, logger: logger)
        self.agents = try AgentSystem(
            configuration: configuration, storage: storage, verifier: verifier, fingerprinter: fingerprinter, environment: environment,
            metrics: PrometheusMetricsFactory(registry: metrics), logger: logger, configurationFile: configurationFile)
        self.toolChanges = ToolListChanges.watching(agents.catalog, connectors: agents.connectors)
        self.traceExport = try ProcessTracer.start(configuration.tracing, environment: environment, logger: logger)
    }

    /// The HMAC key of token fingerprints. One daemon keeps it in `fingerprint.key` in its
    /// data directory. Daemons sharing PostgreSQL derive it from `BATON_VAULT_KEY`, which
    /// they all hold (HKDF-SHA256, its own label), so one token has one fingerprint in the
    /// ledger whichever daemon saw it.
    static func fingerprintKey(_ storage: StorageSettings, environment: [String: String]) throws -> SymmetricKey {
        guard storage.engine == .postgres else {
            return SymmetricKey(data: try DataDirectory.prepare(storage.dataDirectory).secretKey(named: "fingerprint.key"))
        }
        guard let vaultKey = try VaultKeyring.sealingKey(from: environment) else { throw VaultError.sharedKeyringNeedsKey }
        return HKDF<SHA256>.deriveKey(inputKeyMaterial: vaultKey, info: Data("baton token fingerprints v1".utf8), outputByteCount: 32)
    }

    /// What `/v1` routes demand of a token: the configured audiences, a user.
    var apiPolicy: TokenPolicy {
        TokenPolicy(audiences: Set(configuration.identity.audiences))
    }

    /// The agent runtime, once identity is configured and the stores are open; for benchmarks and tools in this process.
    public func agentRuntime() async -> AgentRuntime? {
        try? await agents.runtime()
    }

    /// The Hummingbird application: routes, middleware and the storage service.
    ///
    /// - Parameter onServerRunning: called with the base URL (`http://127.0.0.1:8080`) once the
    ///   server listens; port 0 in the configuration picks a free port, which this URL reveals.
    public func makeApplication(onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }) -> some ApplicationProtocol {
        let factory = PrometheusMetricsFactory(registry: metrics)
        let router = Router(context: BatonRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: factory))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: TracingMiddleware())
        HealthRoutes(readiness: readiness, storage: storage, metrics: metrics).register(on: router)
        TransparencyLogRoutes(storage: storage).register(on: router)
        let api = router.group("v1").add(middleware: BearerTokenMiddleware(verifier: verifier, policy: apiPolicy, metrics: factory))
        CallerRoutes().register(on: api)
        AuditRoutes(storage: storage).register(on: api)
        let agentRoutes = AgentRoutes(system: agents, storage: storage, metrics: factory)
        agentRoutes.register(on: api)
        agentRoutes.registerInvoke(on: router)
        let cards = AgentCards(mesh: agents.mesh, server: configuration.server, identity: configuration.identity)
        A2ARoutes(cards: cards, service: A2AService(system: agents, storage: storage, cards: cards, running: RunningTasks()), storage: storage)
            .register(on: router)
        MCPRoutes(cards: cards, service: MCPService(system: agents, cards: cards, sessions: MCPSessions(), changes: toolChanges)).register(on: router)
        if let workloads {
            let signatures = SigV4Verifier(
                region: configuration.agentcore.region, service: "bedrock-agentcore", secrets: { workloads.owner(ofAccessKey: $0)?.secret })
            let sessions = FederationSessions()
            AgentCoreIdentityRoutes(system: agents, workloads: workloads, verifier: signatures, sessions: sessions).register(on: router)
            AgentCoreCallbackRoutes(system: agents, sessions: sessions).register(on: router)
            AgentCoreDownstreamRoutes(system: agents).register(on: router)
        }
        if configuration.console.isServed(on: configuration.server.listen) { consoleRoutes().register(on: router) }
        let listen = configuration.server.listen
        return Application(
            router: router,
            server: .http1(
                configuration: GuardedHTTP1.configuration(configuration.server.connections, metrics: factory, answers: ErrorResponse.unreadable)),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "baton"),
            // The span exporter first: services stop in reverse order, so it flushes what the others finished.
            services: (traceExport.map { [$0] } ?? []) + [
                storage, MemoryTrimmer(interval: configuration.server.memoryTrimInterval), AgentAppsStopper(system: agents),
                notifier, ReloadOnHangup(daemon: self),
            ],
            onServerRunning: { [agents, readiness] channel in
                let url = Self.baseURL(of: channel.localAddress)
                await readiness.listening(at: url)
                await agents.listening(at: url)
                await onServerRunning(url)
            },
            logger: logger
        )
    }

    /// The audit console's routes, with sign-in at the configured issuer when `console.client_id` is set.
    func consoleRoutes() -> ConsoleRoutes {
        let witnesses = configuration.storage.witnesses.compactMap { try? NoteVerifierKey(parsing: $0.key) }
        return ConsoleRoutes(
            storage: storage, sessions: ConsoleSessions(lifetime: configuration.console.sessionLifetime),
            signIn: ConsoleSignIn(settings: configuration.console, identity: configuration.identity, verifier: verifier, policy: apiPolicy),
            health: LedgerHealth(), settings: configuration.console, publicURL: configuration.server.publicURL,
            ledgerOrigin: configuration.storage.ledgerOrigin(publicURL: configuration.server.publicURL), witnesses: witnesses)
    }

    /// Runs until SIGTERM or SIGINT, then lets in-flight requests finish (up to
    /// `server.shutdown_timeout`), closes the stores and returns.
    public func run(onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }) async throws {
        OpenFileLimit.raise(forConnections: configuration.server.connections.maximum, logger: logger)
        var group = ServiceGroupConfiguration(
            services: [makeApplication(onServerRunning: onServerRunning)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        group.maximumGracefulShutdownDuration = configuration.server.shutdownTimeout
        try await ServiceGroup(configuration: group).run()
    }

    /// `http://127.0.0.1:8080` or `http://[::1]:8080` for a bound address.
    static func baseURL(of address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "http://unknown" }
        return ip.contains(":") ? "http://[\(ip)]:\(port)" : "http://\(ip):\(port)"
    }
}
