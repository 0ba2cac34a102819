import BatonCore
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonVault

/// A broker for the concierge, backed by a fresh vault, against the running dev IdP.
struct BrokerHarness {
    let fixture: VaultFixture
    let client: IdentityProviderFixture.Client
    let clock = TestClock()
    let capture = LogCapture()
    let vault: TokenVault
    let broker: TokenBroker

    init(client: IdentityProviderFixture.Client, engine: StorageEngine) async throws {
        self.client = client
        fixture = try await VaultFixture.open(engine)
        let clock = self.clock
        vault = try await TokenVault.open(
            in: fixture.directory, store: fixture.store, environment: engine == .postgres ? ["BATON_VAULT_KEY": VaultFixture.sealingKey] : [:],
            logger: capture.logger("vault"), now: { clock.now })
        broker = TokenBroker(
            exchanger: OnBehalfOfExchanger(endpoint: TokenEndpointClient(logger: capture.logger("exchange"))), cache: vault,
            logger: capture.logger("broker"), now: { clock.now })
    }

    func request(_ assertion: String, resource: String = "api://triage") -> ExchangeRequest {
        ExchangeRequest(
            subjectToken: Secret(assertion),
            client: ExchangeClient(
                clientID: client.app("concierge").appID, credential: .secret(Secret("concierge-dev-secret")), tokenEndpoint: client.tokenURL),
            resource: resource, scopes: ["access_as_user"])
    }

    /// Jane's tokens held by the concierge for the triage agent.
    var janeContext: VaultEntryContext {
        let jane = client.tenant.user(username: "jane@contoso.com")!
        return VaultEntryContext(
            tenantID: client.tenant.id, objectID: jane.oid, username: jane.username, agent: "concierge", audience: "api://triage",
            scopes: ["access_as_user"])
    }

    func token(_ assertion: String) async throws -> BrokeredToken {
        try await broker.token(for: request(assertion), issuer: "\(client.base)/\(client.tenant.id)/v2.0", context: janeContext)
    }
}

@Suite("The token broker with the vault, against the dev IdP, on SQLite and on PostgreSQL")
struct TokenBrokerTests {
    @Test("a miss exchanges at the IdP; the same request then hits the hot tier", arguments: StorageEngine.allCases)
    func missThenHit(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = try await client.signIn()
            let first = try await harness.token(jane)
            #expect(first.source == .identityProvider)
            let second = try await harness.token(jane)
            #expect(second.source == .hot)
            #expect(second.accessToken == first.accessToken)
            #expect(await harness.broker.exchangeCount == 1)
            let other = try await harness.token(try await client.signIn())
            #expect(other.source == .identityProvider, "a new assertion is a new key, as in MSAL")
            #expect(try CompactJWS(parsing: first.accessToken.revealed).claims["aud"]?.stringValue == client.app("triage").appID)
            _ = provider
        }
    }

    @Test("100 concurrent requests for one key make exactly one exchange at the IdP", arguments: StorageEngine.allCases)
    func singleFlight(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = try await client.signIn()
            let before = await provider.tokenRequestCount
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await harness.token(jane).accessToken.revealed } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(await provider.tokenRequestCount == before + 1)
            #expect(await harness.broker.exchangeCount == 1)
        }
    }

    @Test(
        "a token with less than the skew left is never handed out; one nearing expiry is served while one refresh runs",
        arguments: StorageEngine.allCases)
    func skewAndRefreshAhead(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = try await client.signIn()
            let original = try await harness.token(jane)
            harness.clock.advance(by: 3400)
            let served = try await harness.token(jane)
            #expect(served.accessToken == original.accessToken, "still 200 s left: served")
            for _ in 0..<5 { _ = try await harness.token(jane) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(await harness.broker.exchangeCount == 2, "exactly one refresh ahead of expiry")
            harness.clock.advance(by: 3560)
            let renewed = try await harness.token(jane)
            #expect(renewed.source == .identityProvider, "the refreshed token also expired: less than 60 s left")
            _ = provider
        }
    }

    @Test("after invalidate (a downstream 401) the next call exchanges exactly once more", arguments: StorageEngine.allCases)
    func invalidate(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = try await client.signIn()
            let first = try await harness.token(jane)
            await harness.broker.invalidate(first.key)
            #expect(try await harness.token(jane).source == .identityProvider)
            #expect(try await harness.token(jane).source == .hot)
            #expect(await harness.broker.exchangeCount == 2)
        }
    }

    @Test("a claims challenge from the IdP reaches the broker's caller unchanged", arguments: StorageEngine.allCases)
    func claimsChallenge(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let challenge = #"{"access_token":{"capolids":{"essential":true,"values":["p-17"]}}}"#
            await provider.forceClaimsChallenge(for: "triage", claims: challenge)
            let error = await #expect(throws: ExchangeError.self) { try await harness.token(try await client.signIn()) }
            guard case .interactionRequired(let claims, let code, _) = error else {
                Issue.record("expected interaction_required, got \(String(describing: error))")
                return
            }
            #expect(claims == challenge)
            #expect(code == 50076)
        }
    }

    @Test("no log line at any level contains a token, a secret or a key", arguments: StorageEngine.allCases)
    func noSecretsInLogs(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = try await client.signIn()
            let issued = try await harness.token(jane)
            await harness.broker.invalidate(issued.key)
            _ = try await harness.token(jane)
            let harriet = try await client.signIn("harriet@contoso.com")
            await provider.throttle(next: 1, retryAfter: 1)
            _ = try await harness.token(harriet)
            _ = try await harness.vault.purge(agent: "concierge")
            _ = try await harness.vault.rotateMasterKey()
            let lines = harness.capture.lines
            #expect(!lines.isEmpty, "the operations above log")
            let secrets = [jane, issued.accessToken.revealed].flatMap { $0.split(separator: ".").map(String.init) } + ["concierge-dev-secret"]
            for line in lines {
                for secret in secrets { #expect(!line.contains(secret), "\(line)") }
            }
        }
    }
}

@Suite("Long-running work after the user's token expired")
struct LongRunningTests {
    @Test(
        "a session goes on with its sealed refresh token until its maximum age, each use logged without the token", arguments: StorageEngine.allCases)
    func session(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = client.tenant.user(username: "jane@contoso.com")!
            let context = harness.janeContext
            let request = harness.request(try await client.signIn())
            let session = try await harness.broker.startLongRunning(
                request, issuer: "\(client.base)/\(client.tenant.id)/v2.0", context: context, maximumAge: .seconds(8 * 3600))

            #expect(try await harness.broker.continueLongRunning(session, client: request.client, context: context).source == .hot)
            harness.clock.advance(by: 3 * 3600)
            let before = await provider.tokenRequestCount
            let renewed = try await harness.broker.continueLongRunning(session, client: request.client, context: context)
            #expect(renewed.source == .identityProvider)
            #expect(await provider.tokenRequestCount == before + 1)
            #expect(try CompactJWS(parsing: renewed.accessToken.revealed).claims["oid"]?.stringValue == jane.oid)
            let audit = harness.capture.lines.filter { $0.contains("long-running session continued") }
            #expect(audit.count == 1)
            #expect(audit.first?.contains(jane.oid) == true)
            #expect(audit.first?.contains(renewed.accessToken.revealed) == false)

            harness.clock.advance(by: 6 * 3600)
            let expired = await #expect(throws: ExchangeError.self) {
                try await harness.broker.continueLongRunning(session, client: request.client, context: context)
            }
            #expect(expired?.code == "session_unavailable")
        }
    }

    @Test("purging the user ends their long-running sessions", arguments: StorageEngine.allCases)
    func purgeEndsSessions(engine: StorageEngine) async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let harness = try await BrokerHarness(client: client, engine: engine)
            let jane = client.tenant.user(username: "jane@contoso.com")!
            let context = harness.janeContext
            let request = harness.request(try await client.signIn())
            let session = try await harness.broker.startLongRunning(request, issuer: "iss", context: context, maximumAge: .seconds(3600 * 8))
            _ = try await harness.vault.purge(tenantID: client.tenant.id, objectID: jane.oid)
            await #expect(throws: ExchangeError.self) {
                try await harness.broker.continueLongRunning(session, client: request.client, context: context)
            }
        }
    }
}
