import BatonCore
import BatonDevKit
import BatonTestSupport
import Crypto
import Foundation
import Synchronization
import Testing

@testable import BatonIdentity

@Suite("The verified-token cache: the signature is checked once per token, everything else on every hop")
struct VerifiedTokenCacheTests {
    @Test("a token verified once is remembered; the audience is still checked on every use")
    func audienceStillChecked() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let jane = try await client.signIn()
            #expect(await harness.outcome(jane) == "accepted")
            #expect(harness.verifier.cachedTokenCount == 1)
            #expect(await harness.outcome(jane) == "accepted")
            #expect(await harness.outcome(jane, policy: TokenPolicy(audiences: ["api://itsm"])) == "audience_invalid")
            var scoped = harness.concierge
            scoped.requiredScopes = ["admin_everything"]
            #expect(await harness.outcome(jane, policy: scoped) == "insufficient_scope")
            #expect(harness.verifier.cachedTokenCount == 1, "the same bytes are one entry")
        }
    }

    @Test("a cached token is refused once it expires")
    func expiryStillChecked() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let clock = Mutex(Date())
            let issuer = TrustedIssuer(name: "dev", kind: .entra(authority: client.base, multiTenant: false), tenants: [provider.tenant.id])
            let verifier = TokenVerifier(
                issuers: [issuer], fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)), now: { clock.withLock { $0 } })
            let app = client.app("concierge")
            let policy = TokenPolicy(audiences: Set([app.appID] + app.identifierURIs))
            let jane = try await client.signIn()
            _ = try await verifier.verify(jane, policy: policy)
            #expect(verifier.cachedTokenCount == 1)
            clock.withLock { $0 = $0.addingTimeInterval(3 * 3600) }
            await #expect(throws: TokenRejection.expired) { try await verifier.verify(jane, policy: policy) }
        }
    }

    @Test("a cached token is dropped when the key that signed it is no longer published")
    func droppedWhenKeyRetired() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let before = try await client.signIn()
            #expect(await harness.outcome(before) == "accepted")
            try await provider.rotateSigningKey()
            await provider.retireInactiveSigningKeys()
            let after = try await client.signIn()
            #expect(await harness.outcome(after) == "accepted", "the new key is fetched for the new kid")
            #expect(harness.verifier.cachedTokenCount == 2)
            #expect(await harness.outcome(before) == "kid_unknown")
            #expect(harness.verifier.cachedTokenCount == 1, "the old token's entry is gone")
        }
    }

    @Test("a tampered copy of a cached token is verified afresh and refused")
    func tamperedCopy() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let jane = try await client.signIn()
            #expect(await harness.outcome(jane) == "accepted")
            var parts = jane.split(separator: ".").map(String.init)
            var claims = try CompactJWS(parsing: jane).claims
            claims["oid"] = "00000000-0000-4000-8000-000000000099"
            parts[1] = Base64URL.encode(try JSONEncoder().encode(claims))
            #expect(await harness.outcome(parts.joined(separator: ".")) == "signature_invalid")
        }
    }

    @Test("when full, the least recently used entry goes first (CLOCK), and a capacity of 0 keeps nothing")
    func eviction() {
        let cache = VerifiedTokenCache(capacity: 2)
        let entry = VerifiedTokenCache.Entry(claims: [:], algorithm: .rs256, kid: "k", expiresAt: 1_000, fingerprint: TokenFingerprint(hex: "00"))
        let (a, b, c) = (VerifiedTokenCache.key(of: "a"), VerifiedTokenCache.key(of: "b"), VerifiedTokenCache.key(of: "c"))
        cache.insert(entry, for: a)
        cache.insert(entry, for: b)
        #expect(cache.entry(for: a, now: 0) != nil)
        cache.insert(entry, for: c)
        #expect(cache.entry(for: a, now: 0) != nil, "a was used, so it had a second chance")
        #expect(cache.entry(for: b, now: 0) == nil)
        #expect(cache.entry(for: c, now: 0) != nil)
        #expect(cache.count == 2)
        #expect(cache.entry(for: a, now: 1_001) == nil, "an expired entry is never served")
        let off = VerifiedTokenCache(capacity: 0)
        off.insert(entry, for: a)
        #expect(off.entry(for: a, now: 0) == nil)
    }
}
