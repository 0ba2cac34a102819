import BatonAgentCore
import BatonAgents
import BatonConfig
import BatonConnectors
import BatonCore
import BatonIdentity
import Foundation
import Logging
import Metrics

/// The daemon's agents and connectors: their definitions, read and cross-checked at
/// startup, and the runtime, built once the vault and the ledger are open.
actor AgentSystem {
    let catalog: AgentCatalog
    let connectors: ConnectorCatalog
    /// The AgentCore workload identities, when `agentcore.enabled`.
    let workloads: WorkloadCatalog?
    private let agentCore: AgentCoreSettings
    /// The daemon's own base URL once it listens: where the apps it starts find the AgentCore data plane.
    private var baseURL: String?
    private let storage: StorageService
    private let verifier: TokenVerifier?
    private let fingerprinter: TokenFingerprinter
    private let settings: AgentRuntime.Settings
    private let metrics: (any MetricsFactory)?
    /// The daemon's environment (what apps it starts may inherit a little of).
    private let environment: [String: String]
    private let logger: Logger
    /// `server.public_url`: the issuer of this daemon's delegation-chain assertions.
    private let publicURL: String?
    private let trustedChainKeys: [String]
    private var runtime: AgentRuntime?
    private var chainVerifier: ChainAssertionVerifier?

    /// Reads `agents/`, `connectors/` and (with `agentcore.enabled`) `workloads/`; a
    /// definition error is a ``ConfigError`` naming the file and field.
    init(
        configuration: BatonConfiguration, storage: StorageService, verifier: TokenVerifier?, fingerprinter: TokenFingerprinter,
        environment: [String: String], metrics: (any MetricsFactory)?, logger: Logger
    ) throws(ConfigError) {
        let connectors = try ConnectorCatalog.load(directory: configuration.connectors.directory, environment: environment, logger: logger)
        let catalog = try AgentCatalog.load(directory: configuration.agents.directory, connectors: connectors, environment: environment)
        let authority = configuration.identity.issuers.first { $0.kind == .entra }?.authority
        if authority == nil, !configuration.identity.issuers.isEmpty,
            let agent = catalog.ordered.first(where: { $0.opensHere && $0.tokenEndpoint == nil })
        {
            throw .invalidValue(
                origin: .file(path: agent.file, line: nil), keyPath: "identity.token_endpoint",
                problem: "no Entra issuer is configured to derive it from; set the token endpoint")
        }
        let base = authority ?? ""
        let workloads =
            configuration.agentcore.enabled
            ? try WorkloadCatalog.load(
                directory: configuration.agentcore.directory, environment: environment,
                agents: Set(catalog.ordered.filter(\.opensHere).map(\.id.rawValue)))
            : nil
        try Self.checkApps(of: catalog, against: workloads, connectors: connectors)
        self.workloads = workloads
        self.agentCore = configuration.agentcore
        self.catalog = catalog
        self.connectors = connectors
        self.storage = storage
        self.verifier = verifier
        self.fingerprinter = fingerprinter
        var settings = AgentRuntime.Settings(
            tokenEndpoint: { EntraEndpoints.tokenEndpoint(authority: base, tenant: $0) }, environment: environment,
            defaultTenant: configuration.identity.issuers.first?.tenants.first)
        settings.metrics = metrics
        self.settings = settings
        self.metrics = metrics
        self.environment = environment
        self.logger = logger
        self.publicURL = configuration.server.publicURL
        self.trustedChainKeys = configuration.identity.trustedChainKeys
    }

    /// What checks the delegation chains A2A callers assert, once the stores (and the ledger key) are open.
    func chainAssertions() async throws(AgentSystemUnavailable) -> ChainAssertionVerifier {
        if let chainVerifier { return chainVerifier }
        guard let signer = await storage.signer() else { throw .storesNotOpen }
        let verifier = ChainAssertionVerifier(own: signer, trusted: trustedChainKeys)
        chainVerifier = verifier
        return verifier
    }

    /// The runtime, or why there is none yet.
    func runtime() async throws(AgentSystemUnavailable) -> AgentRuntime {
        if let runtime { return runtime }
        guard let verifier else { throw .identityNotConfigured }
        guard let vault = await storage.vault(), let ledger = await storage.ledger(), let signer = await storage.signer() else {
            throw .storesNotOpen
        }
        let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault, logger: logger, metrics: metrics)
        let runtime = AgentRuntime(
            catalog: catalog, connectors: connectors, broker: broker, verifier: verifier, audit: ledger.writer, fingerprinter: fingerprinter,
            settings: settings, a2a: A2AAgentClient(assertions: ChainAssertion(signer: signer, issuer: publicURL)),
            agentCore: AgentCoreAppClient(launchEnvironment: { [self] app in await self.launchEnvironment(for: app) }, logger: logger),
            workloadTokens: WorkloadTokens(lifetime: agentCore.workloadTokenLifetime), logger: logger)
        self.runtime = runtime
        return runtime
    }
}

extension AgentSystem {
    /// Every agent with an `agentcore:` app names a workload of its own, and connectors that exist.
    private static func checkApps(of catalog: AgentCatalog, against workloads: WorkloadCatalog?, connectors: ConnectorCatalog) throws(ConfigError) {
        for definition in catalog.ordered {
            guard let app = definition.agentCore else { continue }
            let origin = ConfigOrigin.file(path: definition.file, line: nil)
            for (variable, connector) in app.downstream.sorted(by: { $0.key < $1.key }) where connectors.definitions[connector] == nil {
                throw .invalidValue(
                    origin: origin, keyPath: "agentcore.downstream.\(variable)",
                    problem: "no connector is named '\(connector)' (known: \(connectors.definitions.keys.sorted().joined(separator: ", ")))")
            }
            guard let workloads else {
                throw .invalidValue(
                    origin: origin, keyPath: "agentcore", problem: "an AgentCore app needs the AgentCore data plane: set agentcore.enabled: true")
            }
            guard let workload = workloads.workloads[app.workload] else {
                throw .invalidValue(
                    origin: origin, keyPath: "agentcore.workload",
                    problem: "no workload identity is named '\(app.workload)' (known: \(workloads.workloads.keys.sorted().joined(separator: ", ")))")
            }
            guard workload.agent == definition.id.rawValue else {
                throw .invalidValue(
                    origin: origin, keyPath: "agentcore.workload",
                    problem: "the workload '\(app.workload)' acts as agent '\(workload.agent)' (\(workload.file)), not '\(definition.id)'")
            }
        }
    }

    /// Records where this daemon listens, for the apps it starts.
    func listening(at url: String) {
        baseURL = url
    }

    /// The base URL others reach this daemon at: `server.public_url`, else where it listens.
    func publicBase() -> String? {
        publicURL ?? baseURL
    }

    /// Variables of the daemon's environment an app it starts inherits: what a process
    /// needs to run (its PATH, locale, home, temporary directory, trusted CAs), nothing
    /// Baton holds (the vault key, agents' secrets, other workloads' keys).
    static let inheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"]

    /// The whole environment of an app Baton starts: the inherited variables, and what it
    /// needs to reach the data plane as its workload (the endpoint, the region and the
    /// workload's first access key) and its downstream gateways; `nil` until the daemon
    /// listens (the SDK, without an endpoint, would call AWS with the user's token).
    func launchEnvironment(for app: AgentCoreAppSettings) -> [String: String]? {
        guard let baseURL else { return nil }
        var variables = environment.filter { Self.inheritedVariables.contains($0.key) }
        variables["AWS_REGION"] = agentCore.region
        variables["AWS_DEFAULT_REGION"] = agentCore.region
        variables["BEDROCK_AGENTCORE_DP_ENDPOINT"] = "\(baseURL)/\(AgentCoreIdentityRoutes.prefix)"
        for (name, connector) in app.downstream { variables[name] = "\(baseURL)/\(AgentCoreDownstreamRoutes.prefix)/\(connector)" }
        if let key = workloads?.workloads[app.workload]?.accessKeys.first {
            variables["AWS_ACCESS_KEY_ID"] = key.id
            variables["AWS_SECRET_ACCESS_KEY"] = key.secret.revealed
        }
        return variables
    }

    /// Stops the AgentCore apps the runtime started (at shutdown).
    func stopApps() async {
        await runtime?.stopApps()
    }
}

/// Why agents cannot run yet.
enum AgentSystemUnavailable: Error {
    case identityNotConfigured
    case storesNotOpen
}
