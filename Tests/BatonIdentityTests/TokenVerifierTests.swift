import BatonCore
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Crypto
import Foundation
import Testing

/// A verifier trusting the running dev IdP's tenant, and helpers to forge tokens against it.
struct VerifierHarness: Sendable {
    let provider: DevIdentityProvider
    let client: IdentityProviderFixture.Client
    let verifier: TokenVerifier
    let concierge: TokenPolicy

    init(
        provider: DevIdentityProvider, client: IdentityProviderFixture.Client, versions: Set<Int> = [1, 2], multiTenant: Bool = false,
        tenants: Set<String>? = nil, settings: VerifierSettings = .init()
    ) {
        self.provider = provider
        self.client = client
        let issuer = TrustedIssuer(
            name: "dev", kind: .entra(authority: client.base, multiTenant: multiTenant), tenants: tenants ?? [provider.tenant.id], versions: versions)
        // The in-process IdP shares two cores with every other suite (and their Python
        // clients): a generous deadline, so that a slow answer is not read as an outage.
        self.verifier = TokenVerifier(
            issuers: [issuer], settings: settings, fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)),
            fetcher: HTTPDocumentFetcher(timeout: .seconds(30)))
        let app = client.app("concierge")
        self.concierge = TokenPolicy(audiences: Set([app.appID] + app.identifierURIs))
    }

    /// Verifies against the concierge's policy and returns the refusal's code, or "accepted".
    func outcome(_ token: String, policy: TokenPolicy? = nil) async -> String {
        do {
            _ = try await verifier.verify(token, policy: policy ?? concierge)
            return "accepted"
        } catch {
            return error.code
        }
    }

    /// Jane's real v2 token for the concierge, decoded, to start forgeries from.
    func janeClaims() async throws -> JSONObject {
        try CompactJWS(parsing: try await client.signIn()).claims
    }

    /// A token over `claims`, genuinely signed by the IdP's active key.
    func signed(_ claims: JSONObject, header: JSONObject = ["typ": "JWT"]) async throws -> String {
        try await provider.signCustomToken(header: header, claims: claims)
    }
}

/// Assembles a compact JWS from raw parts (for forgeries a signer would refuse to make).
func compact(header: JSONObject, claims: JSONObject, signature: Data) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return Base64URL.encode(try encoder.encode(header)) + "." + Base64URL.encode(try encoder.encode(claims)) + "." + Base64URL.encode(signature)
}

@Suite("Inbound verification: the bad-token corpus")
struct BadTokenCorpusTests {
    @Test("every bad token is refused with its own code")
    func corpus() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let good = try await client.signIn()
            #expect(await harness.outcome(good) == "accepted")
            let jane = try await harness.janeClaims()
            let kid = try #require(CompactJWS(parsing: good).header["kid"]?.stringValue)
            let now = Int64(Date().timeIntervalSince1970)
            let base = client.base
            let tid = provider.tenant.id
            let otherTenant = "11111111-2222-4333-8444-555555555555"
            func with(_ changes: JSONObject, removing: [String] = []) -> JSONObject {
                var claims = jane.merging(changes) { $1 }
                for name in removing { claims[name] = nil }
                return claims
            }
            let parts = good.split(separator: ".").map(String.init)
            let publicPEM = await provider.activePublicKeyPEM
            let hmacInput = Data((try compact(header: ["alg": "HS256", "kid": .string(kid)], claims: jane, signature: Data())).dropLast().utf8)
            let hmac = Data(HMAC<SHA256>.authenticationCode(for: hmacInput, using: SymmetricKey(data: Data(publicPEM.utf8))))
            try await provider.rotateSigningKey()
            let rotatedKid = try #require(await provider.publishedKeyIDs.last)
            let otherGood = try await client.signIn("harriet@contoso.com")
            let appOnly = try #require(
                try await client.clientCredentials("triage", scope: "api://concierge/.default").json["access_token"] as? String)
            let idToken = try await harness.signed(with([:], removing: ["scp"]))

            var corpus: [(String, String, String)] = []
            corpus.append(("empty", "", "token_missing"))
            corpus.append(("alg none", try compact(header: ["alg": "none", "kid": .string(kid)], claims: jane, signature: Data()), "alg_none"))
            corpus.append(("alg NONE", try compact(header: ["alg": "NONE", "kid": .string(kid)], claims: jane, signature: Data()), "alg_none"))
            corpus.append(
                (
                    "HS256 keyed with the RSA public key", String(hmacInput.map { Character(UnicodeScalar($0)) }) + "." + Base64URL.encode(hmac),
                    "alg_hmac"
                ))
            corpus.append(
                ("RS512", try compact(header: ["alg": "RS512", "kid": .string(kid)], claims: jane, signature: Data([1])), "alg_not_allowed"))
            corpus.append(
                (
                    "ES256 from an RS256-only issuer",
                    try compact(header: ["alg": "ES256", "kid": .string(kid)], claims: jane, signature: Data([1])), "alg_not_allowed"
                ))
            corpus.append(("unknown kid", try await harness.signed(jane, header: ["typ": "JWT", "kid": "no-such-key"]), "kid_unknown"))
            corpus.append(
                (
                    "kid of another key", try await provider.signCustomToken(header: ["kid": .string(rotatedKid)], claims: jane, signingKeyID: kid),
                    "signature_invalid"
                ))
            corpus.append(("no kid", try compact(header: ["alg": "RS256"], claims: jane, signature: Data([1])), "kid_missing"))
            corpus.append(
                (
                    "expired",
                    try await harness.signed(with(["exp": .integer(now - 600), "iat": .integer(now - 4000), "nbf": .integer(now - 4000)])),
                    "token_expired"
                ))
            corpus.append(("expired within skew is fine", try await harness.signed(with(["exp": .integer(now - 30)])), "accepted"))
            corpus.append(("nbf in the future", try await harness.signed(with(["nbf": .integer(now + 600)])), "token_not_yet_valid"))
            corpus.append(("iat in the future", try await harness.signed(with(["iat": .integer(now + 600)])), "token_issued_in_future"))
            corpus.append(("exp as text", try await harness.signed(with(["exp": "tomorrow"])), "claim_invalid"))
            corpus.append(("no exp", try await harness.signed(with([:], removing: ["exp"])), "claim_missing"))
            corpus.append(("no iss", try await harness.signed(with([:], removing: ["iss"])), "claim_missing"))
            corpus.append(
                ("unknown issuer", try await harness.signed(with(["iss": .string("https://evil.example/\(tid)/v2.0")])), "issuer_untrusted"))
            corpus.append(
                (
                    "issuer of another tenant",
                    try await harness.signed(with(["iss": .string("\(base)/\(otherTenant)/v2.0"), "tid": .string(otherTenant)])), "issuer_untrusted"
                ))
            corpus.append(("tid not the issuer's tenant", try await harness.signed(with(["tid": .string(otherTenant)])), "issuer_tenant_mismatch"))
            corpus.append(("tid not a GUID", try await harness.signed(with(["tid": "contoso"])), "claim_invalid"))
            corpus.append(("no tid", try await harness.signed(with([:], removing: ["tid"])), "claim_missing"))
            corpus.append(("wrong audience", try await harness.signed(with(["aud": .string(client.app("triage").appID)])), "audience_invalid"))
            corpus.append(("audience list without us", try await harness.signed(with(["aud": ["api://a", "api://b"]])), "audience_invalid"))
            corpus.append(("audience as a number", try await harness.signed(with(["aud": 7])), "claim_invalid"))
            corpus.append(("no oid", try await harness.signed(with([:], removing: ["oid"])), "claim_missing"))
            corpus.append(("oid not a GUID", try await harness.signed(with(["oid": "jane"])), "claim_invalid"))
            corpus.append(("scp not a string", try await harness.signed(with(["scp": ["access_as_user"]])), "claim_invalid"))
            corpus.append(("roles not a list", try await harness.signed(with(["roles": "admin"])), "claim_invalid"))
            corpus.append(("app-only where a user is required", appOnly, "app_only_token"))
            corpus.append(("an id token", idToken, "not_an_access_token"))
            corpus.append(("truncated", parts[0] + "." + parts[1], "token_malformed"))
            corpus.append(("bad base64", parts[0] + "." + parts[1] + "!" + "." + parts[2], "token_bad_base64"))
            corpus.append(("header not JSON", Base64URL.encode(Data("{alg:RS256".utf8)) + "." + parts[1] + "." + parts[2], "token_header_not_json"))
            corpus.append(("payload not an object", parts[0] + "." + Base64URL.encode(Data("[1,2]".utf8)) + "." + parts[2], "token_payload_not_json"))
            corpus.append(("oversized", try await harness.signed(with(["pad": .string(String(repeating: "x", count: 17_000))])), "token_oversized"))
            corpus.append(("signature from another token", parts[0] + "." + parts[1] + "." + otherGood.split(separator: ".")[2], "signature_invalid"))
            corpus.append(
                ("payload swapped under a signature", parts[0] + "." + otherGood.split(separator: ".")[1] + "." + parts[2], "signature_invalid"))
            corpus.append(
                ("unknown crit", try await harness.signed(jane, header: ["typ": "JWT", "crit": ["exp-ext"], "exp-ext": 1]), "crit_unsupported"))
            corpus.append(
                (
                    "jku in the header", try await harness.signed(jane, header: ["typ": "JWT", "jku": "https://evil.example/keys"]),
                    "header_key_reference"
                ))
            corpus.append(("embedded jwk", try await harness.signed(jane, header: ["typ": "JWT", "jwk": ["kty": "RSA"]]), "header_key_reference"))
            corpus.append(("typ of another kind", try await harness.signed(jane, header: ["typ": "dpop+jwt"]), "typ_not_allowed"))
            corpus.append(("v2 issuer with ver 1.0", try await harness.signed(with(["ver": "1.0"])), "issuer_version_mismatch"))
            corpus.append(
                (
                    "v1 issuer with ver 2.0", try await harness.signed(with(["iss": .string("https://sts.windows.net/\(tid)/"), "ver": "2.0"])),
                    "issuer_version_mismatch"
                ))
            var seen: [String: Int] = [:]
            for (name, token, expected) in corpus {
                let outcome = await harness.outcome(token)
                #expect(outcome == expected, "\(name): \(outcome)")
                seen[expected, default: 0] += 1
            }
            #expect(corpus.filter { $0.2 != "accepted" }.count >= 40, "at least 40 bad tokens")
            #expect(seen.keys.filter { $0 != "accepted" }.count >= 26, "distinct refusal codes exercised here (more in the tests below)")
        }
    }

    @Test("a missing scope is 403 insufficient_scope; a required role can stand in for it")
    func scopesAndRoles() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let jane = try await client.signIn()
            let auditor = try await client.signIn("audrey@contoso.com")
            var policy = harness.concierge
            policy.requiredScopes = ["admin_everything"]
            policy.requiredRoles = ["Baton.Auditor"]
            #expect(await harness.outcome(jane, policy: policy) == "insufficient_scope")
            #expect(await harness.outcome(auditor, policy: policy) == "accepted")
            policy.requiredScopes = ["access_as_user"]
            policy.requiredRoles = []
            #expect(await harness.outcome(jane, policy: policy) == "accepted")
        }
    }

    @Test("a version the issuer is not configured to accept is refused as such")
    func versionNotAccepted() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client, versions: [2])
            let tokenB = try await client.exchange("concierge", assertion: try await client.signIn(), scope: "api://workplace/access_as_user")
            let graph = try await client.exchange("workplace", assertion: tokenB, scope: "https://graph.microsoft.com/User.Read")
            #expect(await harness.outcome(graph, policy: TokenPolicy(audiences: ["https://graph.microsoft.com"])) == "version_not_accepted")
        }
    }

    @Test("refusal messages never contain the token")
    func noTokenInMessages() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let harness = VerifierHarness(provider: provider, client: client)
            let token = try await client.signIn()
            let parts = token.split(separator: ".")
            for policy in [TokenPolicy(audiences: ["api://other"]), TokenPolicy(audiences: harness.concierge.audiences, requiredScopes: ["x"])] {
                do {
                    _ = try await harness.verifier.verify(token, policy: policy)
                    Issue.record("expected a refusal")
                } catch {
                    for part in parts { #expect(!"\(error)".contains(part)) }
                }
            }
        }
    }
}
