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
    /// The definitions in force; a reload replaces them.
    nonisolated let mesh: AgentMesh
    nonisolated var catalog: AgentCatalog { mesh.definitions.catalog }
    nonisolated var connectors: ConnectorCatalog { mesh.definitions.connectors }
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
    /// The definitions' generation the runtime was built for.
    private var runtimeGeneration = 0
    /// Runtimes of replaced definitions, whose chains may still run: their apps stop at shutdown.
    private var retired: [AgentRuntime] = []
    private var chainVerifier: ChainAssertionVerifier?
    private let identity: IdentitySettings

    /// Reads `agents/`, `connectors/` and (with `agentcore.enabled`) `workloads/`; a
    /// definition error is a ``ConfigError`` naming the file and field.
    init(
        configuration: BatonConfiguration, storage: StorageService, verifier: TokenVerifier?, fingerprinter: TokenFingerprinter,
        environment: [String: String], metrics: (any MetricsFactory)?, logger: Logger, configurationFile: String? = nil
    ) throws(ConfigError) {
        let (catalog, connectors) = try Self.definitions(configuration, environment: environment, logger: logger)
        let base = configuration.identity.issuers.first { $0.kind == .entra }?.authority ?? ""
        let workloads =
            configuration.agentcore.enabled
            ? try WorkloadCatalog.load(
                directory: configuration.agentcore.directory, environment: environment,
                agents: Set(catalog.ordered.filter(\.opensHere).map(\.id.rawValue)))
            : nil
        try Self.checkApps(of: catalog, against: workloads, connectors: connectors)
        self.mesh = AgentMesh(
            .init(catalog: catalog, connectors: connectors, files: Self.files(of: configuration, configurationFile: configurationFile), generation: 0)
        )
        self.identity = configuration.identity
        self.workloads = workloads
        self.agentCore = configuration.agentcore
        self.storage = storage
        self.verifier = verifier
        self.fingerprinter = fingerprinter
        var settings = AgentRuntime.Settings(
            tokenEndpoint: { EntraEndpoints.tokenEndpoint(authority: base, tenant: $0) }, environment: environment,
            defaultTenant: configuration.identity.issuers.first?.tenants.first)
        settings.metrics = metrics
        settings.recordsRequestText = configuration.tracing.recordsRequestText
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

    /// The runtime of the definitions in force, or why there is none yet.
    func runtime() async throws(AgentSystemUnavailable) -> AgentRuntime {
        let definitions = mesh.definitions
        if let runtime, runtimeGeneration == definitions.generation { return runtime }
        guard let verifier else { throw .identityNotConfigured }
        guard let vault = await storage.vault(), let ledger = await storage.ledger(), let signer = await storage.signer() else {
            throw .storesNotOpen
        }
        let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault, logger: logger, metrics: metrics)
        let runtime = AgentRuntime(
            catalog: definitions.catalog, connectors: definitions.connectors, broker: broker, verifier: verifier, audit: ledger.writer,
            fingerprinter: fingerprinter,
            settings: settings, a2a: A2AAgentClient(assertions: ChainAssertion(signer: signer, issuer: publicURL)),
            agentCore: AgentCoreAppClient(launchEnvironment: { [self] app in await self.launchEnvironment(for: app) }, logger: logger),
            workloadTokens: WorkloadTokens(lifetime: agentCore.workloadTokenLifetime), logger: logger)
        if let replaced = self.runtime { retired.append(replaced) }
        self.runtime = runtime
        runtimeGeneration = definitions.generation
        return runtime
    }

    /// Reads `configuration`'s agents and connectors again and, when every definition and
    /// reference checks out as at startup, puts them in force for the chains that start
    /// from now on. Workload identities stay as they are.
    ///
    /// - Parameter record: called with the old and new definitions before they take
    ///   effect (the ledger's entry); when it throws, nothing changes.
    /// - Throws: ``ConfigError`` naming the file and field; the definitions in force stay.
    func reload(
        _ configuration: BatonConfiguration, configurationFile: String?, record: (AgentMesh.Definitions, AgentMesh.Definitions) async throws -> Void
    ) async throws -> (before: AgentMesh.Definitions, after: AgentMesh.Definitions) {
        var reloaded = configuration
        reloaded.identity = identity
        let (catalog, connectors) = try Self.definitions(reloaded, environment: environment, logger: logger)
        try Self.checkApps(of: catalog, against: workloads, connectors: connectors)
        let before = mesh.definitions
        let after = AgentMesh.Definitions(
            catalog: catalog, connectors: connectors, files: Self.files(of: configuration, configurationFile: configurationFile),
            generation: before.generation + 1)
        try await record(before, after)
        mesh.replace(after)
        return (before, after)
    }

    /// The connectors and agents `configuration` names, read and cross-checked.
    private static func definitions(_ configuration: BatonConfiguration, environment: [String: String], logger: Logger) throws(ConfigError) -> (
        AgentCatalog, ConnectorCatalog
    ) {
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
        return (catalog, connectors)
    }

    /// The configuration file and every definition file, with their digests.
    private static func files(of configuration: BatonConfiguration, configurationFile: String?) -> [String: String] {
        AgentMesh.digests(
            of: [configurationFile].compactMap { $0 } + ConnectorCatalog.yamlFiles(in: configuration.connectors.directory)
                + ConnectorCatalog.yamlFiles(in: configuration.agents.directory))
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

    /// Stops the AgentCore apps the runtimes started (at shutdown).
    func stopApps() async {
        for runtime in retired + [runtime].compactMap({ $0 }) { await runtime.stopApps() }
    }
}

/// Why agents cannot run yet.
enum AgentSystemUnavailable: Error {
    case identityNotConfigured
    case storesNotOpen
}
