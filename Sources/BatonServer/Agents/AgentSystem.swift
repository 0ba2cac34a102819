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
    private let storage: StorageService
    private let verifier: TokenVerifier?
    private let fingerprinter: TokenFingerprinter
    private let settings: AgentRuntime.Settings
    private let metrics: (any MetricsFactory)?
    private let logger: Logger
    /// `server.public_url`: the issuer of this daemon's delegation-chain assertions.
    private let publicURL: String?
    private let trustedChainKeys: [String]
    private var runtime: AgentRuntime?
    private var chainVerifier: ChainAssertionVerifier?

    /// Reads `agents/` and `connectors/`; a definition error is a ``ConfigError`` naming the file and field.
    init(
        configuration: BatonConfiguration, storage: StorageService, verifier: TokenVerifier?, fingerprinter: TokenFingerprinter,
        environment: [String: String], metrics: (any MetricsFactory)?, logger: Logger
    ) throws(ConfigError) {
        let connectors = try ConnectorCatalog.load(directory: configuration.connectors.directory, environment: environment, logger: logger)
        let catalog = try AgentCatalog.load(directory: configuration.agents.directory, connectors: connectors, environment: environment)
        let authority = configuration.identity.issuers.first { $0.kind == .entra }?.authority
        if authority == nil, !configuration.identity.issuers.isEmpty,
            let agent = catalog.ordered.first(where: { $0.isLocal && $0.tokenEndpoint == nil })
        {
            throw .invalidValue(
                origin: .file(path: agent.file, line: nil), keyPath: "identity.token_endpoint",
                problem: "no Entra issuer is configured to derive it from; set the token endpoint")
        }
        let base = authority ?? ""
        self.catalog = catalog
        self.connectors = connectors
        self.storage = storage
        self.verifier = verifier
        self.fingerprinter = fingerprinter
        self.settings = AgentRuntime.Settings(tokenEndpoint: { EntraEndpoints.tokenEndpoint(authority: base, tenant: $0) }, environment: environment)
        self.metrics = metrics
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
            settings: settings, a2a: A2AAgentClient(assertions: ChainAssertion(signer: signer, issuer: publicURL)), logger: logger)
        self.runtime = runtime
        return runtime
    }
}

/// Why agents cannot run yet.
enum AgentSystemUnavailable: Error {
    case identityNotConfigured
    case storesNotOpen
}
