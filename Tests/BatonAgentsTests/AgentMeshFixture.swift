import BatonAgents
import BatonConnectors
import BatonCore
import BatonDevKit
import BatonIdentity
import BatonLedger
import BatonStorage
import BatonTestSupport
import BatonVault
import Crypto
import Foundation
import GRDB
import Logging

/// The dev IdP, the ServiceNow emulator, a vault and a ledger in a temporary data
/// directory, and an agent runtime over the shipped `agents/` and `connectors/` (or the
/// definitions given).
struct AgentMeshFixture: Sendable {
    let sn: ServiceNowFixture
    let runtime: AgentRuntime
    let ledger: LedgerReader
    let root: TemporaryDirectory

    static func withRunning<T: Sendable>(
        agents: String = RepositoryPaths.path("agents"), maximumDepth: Int = 5, environment: [String: String] = [:],
        audit: (@Sendable (LedgerWriter) -> any AuditRecorder)? = nil,
        _ body: @Sendable (AgentMeshFixture) async throws -> T
    ) async throws -> T {
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            let directory = try DataDirectory.prepare(root.file("data"))
            let logger = Logger(label: "test-agents")
            let vaultDatabase = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(5), logger: logger)
            let vault = try await TokenVault.open(in: directory, store: SQLiteVaultStore(database: vaultDatabase), environment: [:])
            let ledgerDatabase = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: logger)
            let writer = try await LedgerWriter.open(
                store: SQLiteLedgerRecords(database: ledgerDatabase), signer: try CheckpointSigner.load(from: directory))
            let fingerprinter = TokenFingerprinter(key: SymmetricKey(size: .bits256))
            let environment = environment.merging(["BATON_SERVICENOW_URL": sn.url]) { $1 }
            let connectors = try ConnectorCatalog.load(directory: RepositoryPaths.path("connectors"), environment: environment)
            let catalog = try AgentCatalog.load(directory: agents, connectors: connectors, environment: environment)
            let tenant = sn.idp.tenant.id
            let verifier = TokenVerifier(
                issuers: [TrustedIssuer(name: "dev", kind: .entra(authority: sn.idp.base, multiTenant: false), tenants: [tenant])],
                fingerprinter: fingerprinter)
            let broker = TokenBroker(exchanger: OnBehalfOfExchanger(), cache: vault)
            let base = sn.idp.base
            let runtime = AgentRuntime(
                catalog: catalog, connectors: connectors, broker: broker, verifier: verifier, audit: audit?(writer) ?? writer,
                fingerprinter: fingerprinter,
                settings: .init(maximumDepth: maximumDepth, tokenEndpoint: { "\(base)/\($0)/oauth2/v2.0/token" }, environment: environment))
            return try await body(
                AgentMeshFixture(
                    sn: sn, runtime: runtime, ledger: LedgerReader(records: SQLiteLedgerRecords(database: ledgerDatabase), index: nil), root: root))
        }
    }

    /// Token A: `user` signed in at the CLI app for the concierge.
    func signIn(_ user: String = "jane@contoso.com", scope: String = "api://concierge/access_as_user") async throws -> Secret {
        Secret(try await sn.idp.signIn(user, scope: scope))
    }

    /// Jane's token for itsm, exchanged along the shipped path concierge → triage → itsm.
    func janeForItsm() async throws -> String {
        try await sn.idp.exchange(
            "triage",
            assertion: try await sn.idp.exchange("concierge", assertion: try await signIn().revealed, scope: "api://triage/access_as_user"),
            scope: "api://itsm/access_as_user")
    }

    /// The ledger's entries for `chainID`, in order.
    func entries(chain chainID: String) async throws -> [LedgerEntry] {
        try await LedgerQuery(chainID: chainID, limit: 1_000).run(on: ledger).entries
    }

    func entries(kind: LedgerEventKind) async throws -> [LedgerEntry] {
        try await LedgerQuery(kind: kind, limit: 1_000).run(on: ledger).entries
    }

    /// Writes agent definitions into a fresh directory and returns it.
    static func definitions(_ files: [String: String]) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.file("agents")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(path)/\(name).yaml", atomically: true, encoding: .utf8) }
        return (directory, path)
    }
}
