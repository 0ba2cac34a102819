import BatonCore
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Crypto
import Foundation
import Testing

@Suite("Inbound verification: real tokens, keys and outages")
struct IssuerKeysTests {
    @Test("a real v2 token from the dev IdP is accepted and yields the user's principal")
    func realVersionTwo() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let token = try await client.signIn()
            let verified = try await harness.verifier.verify(token, policy: harness.concierge)
            let jane = try #require(provider.tenant.user(username: "jane@contoso.com"))
            #expect(verified.principal.tenantID == provider.tenant.id)
            #expect(verified.principal.objectID == jane.oid)
            #expect(verified.principal.username == "jane@contoso.com")
            #expect(verified.principal.name == "Jane Smith")
            #expect(verified.principal.scopes == ["access_as_user"])
            #expect(verified.principal.tokenVersion == 2)
            #expect(verified.principal.clientID == client.app("baton-cli").appID)
            #expect(!verified.principal.isAppOnly)
            #expect(verified.principal.fingerprint.hex.count == 32)
            #expect(verified.principal.fingerprint == (try await harness.verifier.verify(token, policy: harness.concierge)).principal.fingerprint)
            #expect(!token.contains(verified.principal.fingerprint.hex))
        }
    }

    @Test("a real v1 token (the Graph stand-in) is accepted against the v1 issuer, by its URI audience")
    func realVersionOne() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let tokenB = try await client.exchange("concierge", assertion: try await client.signIn(), scope: "api://workplace/access_as_user")
            let graph = try await client.exchange("workplace", assertion: tokenB, scope: "https://graph.microsoft.com/User.Read")
            let verified = try await harness.verifier.verify(graph, policy: TokenPolicy(audiences: ["https://graph.microsoft.com"]))
            #expect(verified.issuer == "https://sts.windows.net/\(provider.tenant.id)/")
            #expect(verified.principal.tokenVersion == 1)
            #expect(verified.principal.username == "jane@contoso.com")
            #expect(verified.principal.clientID == client.app("workplace").appID)
        }
    }

    @Test("the same user across hops has the same tid and oid, though sub differs")
    func sameUserAcrossHops() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let tokenA = try await client.signIn()
            let tokenB = try await client.exchange("concierge", assertion: tokenA, scope: "api://triage/access_as_user")
            let a = try await harness.verifier.verify(tokenA, policy: harness.concierge).principal
            let triage = client.app("triage")
            let b = try await harness.verifier.verify(tokenB, policy: TokenPolicy(audiences: Set([triage.appID] + triage.identifierURIs))).principal
            #expect(a.isSameIdentity(as: b))
            #expect(a.fingerprint != b.fingerprint)
        }
    }

    @Test("key rotation at the IdP is picked up without a restart")
    func rotation() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            #expect(await harness.outcome(try await client.signIn()) == "accepted")
            try await provider.rotateSigningKey()
            let rotated = try await client.signIn()
            #expect(try CompactJWS(parsing: rotated).header["kid"]?.stringValue == (await provider.activeKeyID))
            #expect(await harness.outcome(rotated) == "accepted")
            #expect(await harness.verifier.keyFetchCount() == 2, "one initial fetch, one for the new kid")
        }
    }

    @Test(
        "rotations seconds apart are each accepted at their first token (a refetch that found a new key spends no budget); a forged-kid flood after them still costs one request"
    )
    func rotationsWithoutBurst() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            #expect(await harness.outcome(try await client.signIn()) == "accepted")
            for round in 1...3 {
                try await provider.rotateSigningKey()
                #expect(await harness.outcome(try await client.signIn()) == "accepted", "rotation \(round): no kid_unknown burst")
            }
            #expect(await harness.verifier.keyFetchCount() == 4, "one initial fetch and one per rotation")

            let claims = try CompactJWS(parsing: try await client.signIn()).claims
            for index in 0..<50 {
                let forged = try await provider.signCustomToken(header: ["kid": .string("forged-\(index)")], claims: claims)
                #expect(await harness.outcome(forged) == "kid_unknown")
            }
            #expect(await harness.verifier.keyFetchCount() == 5, "50 forged kids cost one request")
        }
    }

    @Test("keys are refreshed ahead of their max-age: a lookup after 80 % of it starts a background fetch and is answered from the cache")
    func refreshAhead() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            await provider.setKeySetMaxAge(2)
            let harness = VerifierHarness(provider: provider, client: client)
            let token = try await client.signIn()
            #expect(await harness.outcome(token) == "accepted")
            #expect(await harness.verifier.keyFetchCount() == 1)
            try await Task.sleep(for: .milliseconds(1_700))
            // The IdP is down: the lookup must not wait for it, and the cached keys answer.
            await provider.setUnavailable(true)
            #expect(await harness.outcome(token) == "accepted")
            // The background refresh must have been refused before the IdP comes back.
            for _ in 0..<200 where await provider.refusedDocumentRequests == 0 {
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(await provider.refusedDocumentRequests == 1, "the lookup started one refresh ahead, which the IdP refused")
            await provider.setUnavailable(false)
            try await Task.sleep(for: .milliseconds(1_700))
            #expect(await harness.outcome(token) == "accepted")
            var fetches = await harness.verifier.keyFetchCount()
            for _ in 0..<100 where fetches < 3 {
                try await Task.sleep(for: .milliseconds(50))
                fetches = await harness.verifier.keyFetchCount()
            }
            #expect(fetches >= 3, "a refresh ahead of expiry was tried while the IdP was down, and again once it was back")
        }
    }

    @Test("with the IdP down, cached keys keep verifying; an unknown kid says the IdP could not be reached")
    func outage() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let before = try await client.signIn()
            let another = try await client.signIn("harriet@contoso.com")
            #expect(await harness.outcome(before) == "accepted")
            await provider.setUnavailable(true)
            #expect(await harness.outcome(another) == "accepted")
            let unknown = try await provider.signCustomToken(header: ["kid": "rotated-away"], claims: try CompactJWS(parsing: before).claims)
            await #expect(throws: TokenRejection.keyIDUnknown("rotated-away", refreshFailed: true)) {
                try await harness.verifier.verify(unknown, policy: harness.concierge)
            }
            #expect(TokenRejection.keyIDUnknown("k", refreshFailed: true).description.contains("could not be reached"))
        }
    }

    @Test("a flood of forged kids makes at most one key-set request per interval")
    func forgedKidFlood() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let claims = try CompactJWS(parsing: try await client.signIn()).claims
            var outcomes: [String] = []
            for index in 0..<50 {
                let forged = try await provider.signCustomToken(header: ["kid": .string("forged-\(index)")], claims: claims)
                outcomes.append(await harness.outcome(forged))
            }
            #expect(Set(outcomes) == ["kid_unknown"])
            #expect(await harness.verifier.keyFetchCount() == 2, "the initial fetch plus one refetch, though 50 kids were unknown")
        }
    }

    @Test("concurrent verifications with a cold cache share one key-set request")
    func singleFlight() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let token = try await client.signIn()
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { await harness.outcome(token) } }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(outcomes) == ["accepted"])
            #expect(await harness.verifier.keyFetchCount() == 1)
        }
    }

    @Test("with no keys at all and the IdP down, verification says keys are unavailable (503)")
    func noKeys() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let token = try await client.signIn()
            await provider.setUnavailable(true)
            let harness = VerifierHarness(provider: provider, client: client)
            let error = await #expect(throws: TokenRejection.self) { try await harness.verifier.verify(token, policy: harness.concierge) }
            #expect(error?.code == "keys_unavailable")
            #expect(error?.description.contains("HTTP 503") == true)
        }
    }

    @Test("a multi-tenant issuer matches Entra's {tenantid} template and still applies the tenant allowlist")
    func multiTenant() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let token = try await client.signIn()
            let allowed = VerifierHarness(provider: provider, client: client, multiTenant: true)
            #expect(await allowed.outcome(token) == "accepted")
            let other = VerifierHarness(provider: provider, client: client, multiTenant: true, tenants: ["11111111-2222-4333-8444-555555555555"])
            #expect(await other.outcome(token) == "tenant_not_allowed")
            let forged = try await provider.signCustomToken(
                claims: try CompactJWS(parsing: token).claims.merging(["tid": "11111111-2222-4333-8444-555555555555"]) { $1 })
            #expect(await allowed.outcome(forged) == "issuer_tenant_mismatch")
        }
    }

    @Test("the clock skew setting widens or narrows the window")
    func skew() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let strict = VerifierHarness(provider: provider, client: client, settings: .init(clockSkew: .zero))
            var claims = try CompactJWS(parsing: try await client.signIn()).claims
            claims["exp"] = .integer(Int64(Date().timeIntervalSince1970) - 30)
            let recent = try await provider.signCustomToken(claims: claims)
            #expect(await strict.outcome(recent) == "token_expired")
            let lenient = VerifierHarness(provider: provider, client: client, settings: .init(clockSkew: .seconds(120)))
            #expect(await lenient.outcome(recent) == "accepted")
        }
    }
}

@Suite("Inbound verification: any OpenID Connect issuer")
struct OpenIDConnectIssuerTests {
    @Test("ES256 and PS256 tokens from a generic OIDC issuer verify; its algorithm allowlist is enforced")
    func genericIssuer() async throws {
        for (key, algorithm) in [(JWSSigningKey.p256(.init()), JWSAlgorithm.es256), (.rsa(try .init(keySize: .bits2048)), .ps256)] {
            let issuer = StaticKeyIssuer(key: key, algorithm: algorithm)
            try await LocalServer.run(logger: .init(label: "oidc"), { try issuer.makeApplication(logger: .init(label: "oidc"), onRunning: $0) }) {
                url in
                let verifier = TokenVerifier(
                    issuers: [
                        TrustedIssuer(
                            name: "partner", kind: .openIDConnect(discoveryURL: "\(url)/.well-known/openid-configuration"), algorithms: [algorithm])
                    ],
                    fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256))
                )
                let now = Int64(Date().timeIntervalSince1970)
                let claims: JSONObject = [
                    "iss": .string(url), "aud": "api://baton", "exp": .integer(now + 300), "iat": .integer(now),
                    "oid": "5d1c9a3e-2f4b-4c6d-8e9f-0a1b2c3d4e5f", "scp": "read",
                ]
                let principal = try await verifier.verify(try issuer.sign(claims), policy: TokenPolicy(audiences: ["api://baton"])).principal
                #expect(principal.objectID == "5d1c9a3e-2f4b-4c6d-8e9f-0a1b2c3d4e5f")
                #expect(principal.tokenVersion == nil)
                let narrow = TokenVerifier(
                    issuers: [
                        TrustedIssuer(
                            name: "partner", kind: .openIDConnect(discoveryURL: "\(url)/.well-known/openid-configuration"), algorithms: [.rs256])
                    ],
                    fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256))
                )
                await #expect(throws: TokenRejection.algorithmNotAllowed(algorithm.rawValue)) {
                    try await narrow.verify(try issuer.sign(claims), policy: TokenPolicy(audiences: ["api://baton"]))
                }
            }
        }
    }
}
