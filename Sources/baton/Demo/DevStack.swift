import BatonConfig
import BatonConnectors
import BatonDevKit
import BatonServer
import BatonVault
import Foundation
import Logging

/// The whole local stack in one process: the dev identity provider, the ServiceNow
/// emulator, `baton dev model` and the Baton daemon with the shipped agent mesh (and the
/// seed's AgentCore agent when it can run), each on a free loopback port, sharing one data
/// directory. `baton demo` and `baton dev up` run it.
struct DevStack {
    /// Where each service listens.
    struct Endpoints: Codable, Sendable {
        var idp: String
        var tenant: String
        var servicenow: String
        var baton: String
        /// What the emulator's OIDC inbound integration is configured with, for `baton doctor servicenow`.
        var servicenowOIDC: ServiceNowOIDCSettings?
        /// The AgentCore Identity data plane (`BEDROCK_AGENTCORE_DP_ENDPOINT`), when workloads are defined.
        var agentcore: String?
        /// `baton dev model`: Bedrock Runtime (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`) and, under `/v1`, OpenAI chat completions.
        var model: String?
        /// The AgentCore agent in the mesh (the seed's Strands agent), when it can run here.
        var agentcoreAgent: String?
        /// The dev CA's certificate (PEM) with `--https`: what a client trusts the emulator with.
        var ca: String?

        enum CodingKeys: String, CodingKey {
            case idp, tenant, servicenow, baton, agentcore, model, ca
            case agentcoreAgent = "agentcore_agent"
            case servicenowOIDC = "servicenow_oidc"
        }
    }

    /// A running stack.
    struct Running: Sendable {
        let endpoints: Endpoints
        let provider: DevIdentityProvider
        let emulator: ServiceNowEmulator
        let daemon: BatonDaemon
        let dataDirectory: String
        /// The other daemons' URLs (``DevStack/daemons`` − 1), on the same database as `daemon`.
        var otherDaemons: [String] = []
    }

    let dataDirectory: String
    let tenantFile: String
    var agentsDirectory: String
    let connectorsDirectory: String
    let logger: Logger
    /// The dev model's rules; no model runs when the file does not exist.
    var modelRules: String?
    /// The seed's AgentCore agent, added to the mesh when set.
    var agentCoreExample: AgentCoreExample?
    /// The database the daemons share instead of SQLite files in the data directory.
    var postgres: PostgresSettings?
    /// How many daemons serve the mesh; more than one needs `postgres`. Each has its own
    /// listener and data directory, all in this process.
    var daemons = 1
    /// Where the daemon sends its traces (`baton dev up --otlp-endpoint`); off when `nil`.
    var tracing: TracingSettings?
    /// Whether the emulator serves HTTPS with the dev CA (`--https`), which the daemon's
    /// connector then trusts (`BATON_SERVICENOW_CA`).
    var https = false

    /// The dev CA, kept where `baton dev idp --https` keeps it.
    var certificateAuthority: DevCertificateAuthority? {
        get throws { try https ? DevCertificateAuthority.loadOrCreate(in: (dataDirectory as NSString).appendingPathComponent("dev-idp")) : nil }
    }

    /// Starts the three services, runs `body`, then stops them.
    func run<T: Sendable>(_ body: @Sendable (Running) async throws -> T) async throws -> T {
        for (path, what) in [
            (tenantFile, "the dev tenant file"), (agentsDirectory, "the agents directory"), (connectorsDirectory, "the connectors directory"),
        ]
        where !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(message: "\(what) \(path) does not exist; run from a Baton checkout or pass its path")
        }
        let tenant = try TenantOptions.load(file: tenantFile)
        guard let servicenowApp = tenant.application("servicenow"), let frontDoor = tenant.application("concierge") else {
            throw CommandFailure(message: "\(tenantFile) must define the apps 'servicenow' and 'concierge'")
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let provider = try DevIdentityProvider(tenant: tenant)
        let idpServer = DevIdentityProviderServer(provider: provider, logger: logger)
        return try await LocalServer.run(logger: logger, idpServer.makeApplication) { idp in
            let emulatorDirectory = (dataDirectory as NSString).appendingPathComponent("dev-servicenow")
            try FileManager.default.createDirectory(
                atPath: emulatorDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let oidc = ServiceNowOIDCSettings(metadataURL: await provider.discoveryURL, clientID: servicenowApp.appID)
            let emulator = try ServiceNowEmulator(
                path: (emulatorDirectory as NSString).appendingPathComponent("servicenow.sqlite"), oidc: oidc, logger: logger)
            var emulatorServer = ServiceNowEmulatorServer(emulator: emulator, logger: logger)
            emulatorServer.tls = try certificateAuthority?.serverTLSConfiguration()
            return try await LocalServer.run(logger: logger, { try emulatorServer.makeApplication(onRunning: $0) }) { servicenow in
                try await withModel { model in
                    try await runDaemon(
                        idp: idp, tenant: tenant, frontDoor: frontDoor, servicenow: servicenow, oidc: oidc, model: model, provider: provider,
                        emulator: emulator, body)
                }
            }
        }
    }

    /// Runs `body` with the dev model's URL, or `nil` when there are no rules for it.
    private func withModel<T: Sendable>(_ body: (String?) async throws -> T) async throws -> T {
        guard let modelRules, FileManager.default.fileExists(atPath: modelRules) else { return try await body(nil) }
        let rules: ModelRules
        do {
            rules = try ModelRules(contentsOf: modelRules)
        } catch {
            throw CommandFailure(message: error.description)
        }
        let server = DevModelServer(rules: rules, logger: logger)
        return try await LocalServer.run(logger: logger, { server.makeApplication(onRunning: $0) }) { try await body($0) }
    }

    /// The daemon with the mesh (and its workloads, and the AgentCore example when it can run).
    private func runDaemon<T: Sendable>(
        idp: String, tenant: DevTenant, frontDoor: DevApplication, servicenow: String, oidc: ServiceNowOIDCSettings, model: String?,
        provider: DevIdentityProvider, emulator: ServiceNowEmulator, _ body: @Sendable (Running) async throws -> T
    ) async throws -> T {
        var configuration = BatonConfiguration()
        configuration.server.listen.port = 0
        configuration.storage.dataDirectory = dataDirectory
        configuration.agents.directory = agentsDirectory
        configuration.connectors.directory = connectorsDirectory
        if let tracing { configuration.tracing = tracing }
        // The workload identities beside the agents (./workloads in a checkout).
        let workloads = ((agentsDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("workloads")
        if FileManager.default.fileExists(atPath: workloads) {
            configuration.agentcore = AgentCoreSettings(enabled: true, directory: workloads)
        }
        var variables = ["BATON_SERVICENOW_URL": servicenow]
        let ca = try certificateAuthority?.certificateAuthorityPath
        if let ca { variables["BATON_SERVICENOW_CA"] = ca }
        let example = model == nil ? nil : agentCoreExample
        if let example, let model {
            let mesh = try example.mesh(
                in: (dataDirectory as NSString).appendingPathComponent("dev-mesh"), agents: agentsDirectory, workloads: workloads)
            configuration.agents.directory = mesh.agents
            configuration.agentcore = AgentCoreSettings(enabled: true, directory: mesh.workloads)
            variables["BATON_DEV_MODEL_URL"] = model
            variables["BATON_AGENTCORE_PYTHON"] = example.python
        }
        configuration.identity = IdentitySettings(
            audiences: [frontDoor.appID] + frontDoor.identifierURIs,
            issuers: [IssuerSettings(name: "dev", kind: .entra, authority: idp, tenants: [tenant.id])])
        // The audit console signs people in as the tenant's front-end client, for the front door's API.
        if let client = tenant.applications.first(where: { $0.name == "baton-cli" }) {
            configuration.console = ConsoleSettings(
                clientID: client.appID, scope: "\(frontDoor.identifierURIs.first ?? frontDoor.appID)/access_as_user")
        }
        if let postgres {
            configuration.storage.engine = .postgres
            configuration.storage.postgres = postgres
            // Every daemon on the database must hold the same key; a fresh one per run.
            if ProcessInfo.processInfo.environment["BATON_VAULT_KEY"] == nil {
                variables["BATON_VAULT_KEY"] = VaultKeyring.randomSealingKey()
            }
        }
        let environment = ProcessInfo.processInfo.environment.merging(variables) { $1 }
        let daemon = try BatonDaemon(configuration: configuration, logger: logger, environment: environment)
        return try await LocalServer.run(logger: logger, { daemon.makeApplication(onServerRunning: $0) }) { baton in
            try await Self.waitUntilReady(daemon)
            let endpoints = Endpoints(
                idp: idp, tenant: tenant.id, servicenow: servicenow, baton: baton, servicenowOIDC: oidc,
                agentcore: configuration.agentcore.enabled ? "\(baton)/agentcore" : nil, model: model,
                agentcoreAgent: example == nil ? nil : AgentCoreExample.agent, ca: ca)
            return try await withOtherDaemons(daemons - 1, configuration: configuration, environment: environment) { others in
                var running = Running(endpoints: endpoints, provider: provider, emulator: emulator, daemon: daemon, dataDirectory: dataDirectory)
                running.otherDaemons = others
                return try await body(running)
            }
        }
    }

    /// Runs `body` with `count` more daemons of `configuration`, each in a data directory of its own.
    private func withOtherDaemons<T: Sendable>(
        _ count: Int, configuration: BatonConfiguration, environment: [String: String], started: [String] = [],
        _ body: ([String]) async throws -> T
    ) async throws -> T {
        guard count > 0 else { return try await body(started) }
        guard configuration.storage.engine == .postgres else { throw CommandFailure(message: "several daemons need a shared PostgreSQL database") }
        var configuration = configuration
        configuration.storage.dataDirectory = (dataDirectory as NSString).appendingPathComponent("daemon-\(started.count + 2)")
        try FileManager.default.createDirectory(
            atPath: configuration.storage.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let daemon = try BatonDaemon(configuration: configuration, logger: logger, environment: environment)
        return try await LocalServer.run(logger: logger, { daemon.makeApplication(onServerRunning: $0) }) { url in
            try await Self.waitUntilReady(daemon)
            return try await withOtherDaemons(count - 1, configuration: configuration, environment: environment, started: started + [url], body)
        }
    }

    private static func waitUntilReady(_ daemon: BatonDaemon) async throws {
        for _ in 0..<500 {
            if await daemon.storage.ledger() != nil, await daemon.storage.vault() != nil { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let problems = await daemon.storage.problems()
        throw CommandFailure(message: "the daemon's stores did not open: \(problems.joined(separator: "; "))")
    }
}
