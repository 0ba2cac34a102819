import BatonCore
import BatonIdentity
import BatonStorage
import BatonVault
import Foundation
import Logging

/// Vault lookups per tier and the broker's own cost per exchange, with the IdP's time
/// taken out by an exchanger that answers at once.
struct VaultBenchmark {
    let calls: Int
    /// A PostgreSQL database to run on instead of a SQLite file (an empty schema).
    var postgres: PostgresEndpoint? = nil

    func run() async throws -> [String] {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("baton-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = try DataDirectory.prepare(root)
        let store: any VaultStore
        var environment: [String: String] = [:]
        let close: @Sendable () async -> Void
        if let postgres {
            let database = try await PostgresStorage.open(postgres, logger: Logger(label: "bench"))
            try await PostgresMigrator.embedded().migrate(database)
            store = PostgresVaultStore(database: database)
            environment["BATON_VAULT_KEY"] = VaultKeyring.randomSealingKey()
            close = { await database.close() }
        } else {
            let database = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(5), logger: Logger(label: "bench"))
            store = SQLiteVaultStore(database: database)
            close = { try? database.close() }
        }
        let context = VaultEntryContext(
            tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com",
            agent: "concierge", audience: "api://triage", scopes: ["access_as_user"])
        let token = ExchangedToken(
            accessToken: Secret(String(repeating: "t", count: 1500)), expiresAt: Date().addingTimeInterval(3600), grantedScopes: "")
        let keyA = Self.key("a")
        let keyB = Self.key("b")

        let vault = try await TokenVault.open(in: directory, store: store, environment: environment)
        try await vault.store(token, for: keyA, context: context)
        let hot = try await LatencySample.measure(count: calls) { _ = try await vault.cachedToken(for: keyA) }

        let narrow = try await TokenVault.open(in: directory, store: store, environment: environment, hotCapacity: 1)
        try await narrow.store(token, for: keyB, context: context)
        var flip = false
        let storeHit = try await LatencySample.measure(count: calls) {
            flip.toggle()
            _ = try await narrow.cachedToken(for: flip ? keyA : keyB)
        }
        let counters = await narrow.counters

        let broker = TokenBroker(exchanger: InstantExchanger(token: token), cache: vault)
        let client = ExchangeClient(clientID: "concierge", credential: .secret(Secret("s")), tokenEndpoint: "http://unused")
        var index = 0
        let exchange = try await LatencySample.measure(count: max(calls / 10, 100)) {
            index += 1
            let request = ExchangeRequest(
                subjectToken: Secret("assertion-\(index)"), client: client, resource: "api://triage", scopes: ["access_as_user"])
            _ = try await broker.token(for: request, issuer: "iss", context: context)
        }
        await close()
        return [
            "vault hot-tier hit:            \(hot.summary)",
            "vault store hit (unseal):      \(storeHit.summary) — \(counters.storeHits) store hits",
            "broker exchange, IdP excluded: \(exchange.summary) — vault write with fsync included",
        ]
    }

    private static func key(_ assertion: String) -> VaultKey {
        VaultKey(
            issuer: "iss", tenantID: "t", clientID: "concierge", audience: "api://triage", scopes: ["access_as_user"],
            userAssertion: Secret(assertion))
    }
}

/// An exchanger that answers at once, so a benchmark measures Baton and not the IdP.
private struct InstantExchanger: TokenExchanger {
    let token: ExchangedToken

    func exchange(_ request: ExchangeRequest) async throws(ExchangeError) -> ExchangedToken { token }

    func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError) -> ExchangedToken {
        token
    }
}
