import BatonCore
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Foundation
import Testing
import X509
import _CryptoExtras

@testable import BatonDevKit

/// An agent of the shipped tenant as an exchange client, with its dev secret.
func agentClient(_ client: IdentityProviderFixture.Client, _ name: String, secret: String? = nil) -> ExchangeClient {
    ExchangeClient(clientID: client.app(name).appID, credential: .secret(Secret(secret ?? "\(name)-dev-secret")), tokenEndpoint: client.tokenURL)
}

let fastRetries = TokenEndpointClient(retry: .init(attempts: 3, initialBackoff: .milliseconds(10), maximumRetryDelay: .seconds(2)))

@Suite("Exchangers against the dev IdP")
struct ExchangerTests {
    @Test("OBO with a client secret gives a token for the next hop, as the same user")
    func onBehalfOfWithSecret() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let exchanged = try await OnBehalfOfExchanger().exchange(
                ExchangeRequest(
                    subjectToken: Secret(tokenA), client: agentClient(client, "concierge"), resource: "api://triage", scopes: ["access_as_user"]))
            let claims = try CompactJWS(parsing: exchanged.accessToken.revealed).claims
            #expect(claims["aud"]?.stringValue == client.app("triage").appID)
            #expect(claims["oid"] == (try CompactJWS(parsing: tokenA).claims["oid"]))
            #expect(exchanged.grantedScopes == "api://triage/access_as_user")
            #expect(exchanged.expiresAt.timeIntervalSinceNow > 3500)
            #expect(exchanged.refreshToken == nil)
        }
    }

    @Test("OBO with a certificate client assertion, PS256 and RS256")
    func onBehalfOfWithCertificate() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificate = Data(try Certificate.selfSigned(commonName: "concierge", key: key).derBytes())
        var tenant = try IdentityProviderFixture.shippedTenant()
        tenant.applications[tenant.applications.firstIndex { $0.name == "concierge" }!].certificates = [certificate]
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { _, client in
            let tokenA = try await client.signIn()
            for algorithm in [JWSAlgorithm.ps256, .rs256] {
                let agent = ExchangeClient(
                    clientID: client.app("concierge").appID,
                    credential: .certificate(key: .rsa(key), certificateDER: certificate, algorithm: algorithm),
                    tokenEndpoint: client.tokenURL)
                let exchanged = try await OnBehalfOfExchanger().exchange(
                    ExchangeRequest(subjectToken: Secret(tokenA), client: agent, resource: "api://triage", scopes: ["access_as_user"]))
                #expect(try CompactJWS(parsing: exchanged.accessToken.revealed).claims["azpacr"] == "2", "\(algorithm)")
            }
        }
    }

    @Test("RFC 8693 exchange carries the agent as act")
    func tokenExchange() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let exchanger = TokenExchangeExchanger(actorResource: "api://concierge")
            let exchanged = try await exchanger.exchange(
                ExchangeRequest(
                    subjectToken: Secret(try await client.signIn()), client: agentClient(client, "concierge"), resource: "api://triage",
                    scopes: ["access_as_user"]))
            let act = try CompactJWS(parsing: exchanged.accessToken.revealed).claims["act"]?.objectValue
            #expect(act?["sub"]?.stringValue == client.app("concierge").appID)
        }
    }

    @Test("each IdP refusal maps to its typed error, and a claims challenge arrives unchanged")
    func errorMapping() async throws {
        var tenant = try IdentityProviderFixture.shippedTenant()
        let triage = tenant.applications.firstIndex { $0.name == "triage" }!
        tenant.applications[triage].permissions[0].consented = false
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { provider, client in
            let jane = try await client.signIn()
            let tokenB = try await client.exchange("concierge", assertion: jane, scope: "api://triage/access_as_user")
            func attempt(_ subject: String, _ agent: ExchangeClient, _ resource: String, _ scopes: ScopeSet) async -> ExchangeError? {
                do {
                    _ = try await OnBehalfOfExchanger(endpoint: fastRetries).exchange(
                        ExchangeRequest(subjectToken: Secret(subject), client: agent, resource: resource, scopes: scopes))
                    return nil
                } catch {
                    return error as? ExchangeError
                }
            }
            let concierge = agentClient(client, "concierge")
            #expect(await attempt(tokenB, agentClient(client, "triage"), "api://itsm", ["access_as_user"])?.code == "consent_required")
            #expect(
                await attempt(jane, agentClient(client, "concierge", secret: "wrong"), "api://triage", ["access_as_user"])?.code == "invalid_client")
            #expect(await attempt(jane, concierge, "api://triage", ["no_such_scope"])?.code == "invalid_scope")
            #expect(await attempt(tokenB, concierge, "api://crm", ["access_as_user"])?.code == "assertion_audience_mismatch")
            await provider.setClockOffset(.seconds(-7200))
            let old = try await client.signIn()
            await provider.setClockOffset(.zero)
            #expect(await attempt(old, concierge, "api://triage", ["access_as_user"])?.code == "assertion_expired")

            let challenge = #"{"access_token":{"acrs":{"essential":true,"value":"c9"}}}"#
            await provider.forceClaimsChallenge(for: "triage", claims: challenge)
            #expect(
                await attempt(jane, concierge, "api://triage", ["access_as_user"])
                    == .interactionRequired(
                        claims: challenge, code: 50076,
                        message:
                            "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(client.app("triage").appID)'."
                    ))
            await provider.forceClaimsChallenge(for: "triage", claims: nil)

            let before = await provider.tokenRequestCount
            _ = await attempt(old, concierge, "api://triage", ["access_as_user"])
            #expect(await provider.tokenRequestCount == before + 1, "invalid_grant is never retried")
        }
    }

    @Test("429 is retried after Retry-After; persistent 429 and an outage become typed errors after bounded retries")
    func retries() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let jane = try await client.signIn()
            let request = ExchangeRequest(
                subjectToken: Secret(jane), client: agentClient(client, "concierge"), resource: "api://triage", scopes: ["access_as_user"])
            await provider.throttle(next: 1, retryAfter: 1)
            let start = ContinuousClock.now
            _ = try await OnBehalfOfExchanger(endpoint: fastRetries).exchange(request)
            #expect(ContinuousClock.now - start >= .seconds(1), "waited for Retry-After")

            await provider.throttle(next: 10, retryAfter: 1)
            let before = await provider.tokenRequestCount
            await #expect(throws: ExchangeError.throttled(retryAfter: 1)) { try await OnBehalfOfExchanger(endpoint: fastRetries).exchange(request) }
            #expect(await provider.tokenRequestCount == before + 3, "three attempts in all")
            await provider.throttle(next: 0, retryAfter: 1)

            await provider.setUnavailable(true)
            let outage = await #expect(throws: ExchangeError.self) { try await OnBehalfOfExchanger(endpoint: fastRetries).exchange(request) }
            #expect(outage?.code == "idp_unavailable")
            await provider.setUnavailable(false)
        }
    }

    @Test("an unreachable IdP is idp_unavailable and the message names the endpoint, not a token")
    func unreachable() async throws {
        let request = ExchangeRequest(
            subjectToken: Secret("secret-token-value"),
            client: ExchangeClient(clientID: "c", credential: .secret(Secret("s3cr3t")), tokenEndpoint: "http://127.0.0.1:1/t/oauth2/v2.0/token"),
            resource: "api://x", scopes: ["y"])
        let impatient = TokenEndpointClient(timeout: .milliseconds(500), retry: .init(attempts: 2, initialBackoff: .milliseconds(10)))
        let error = await #expect(throws: ExchangeError.self) { try await OnBehalfOfExchanger(endpoint: impatient).exchange(request) }
        #expect(error?.code == "idp_unavailable")
        #expect(error?.description.contains("127.0.0.1:1") == true)
        #expect(error?.description.contains("secret-token-value") == false)
        #expect(error?.description.contains("s3cr3t") == false)
    }
}
