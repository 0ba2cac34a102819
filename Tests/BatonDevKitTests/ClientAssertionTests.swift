import BatonCore
import BatonIdentity
import BatonTestSupport
import Foundation
import Testing
import X509
import _CryptoExtras

@testable import BatonDevKit

@Suite("Dev IdP: certificate client assertions")
struct ClientAssertionTests {
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let certificate = try! Certificate.selfSigned(commonName: "itsm-agent", key: key).derBytes()

    /// The shipped tenant with a certificate registered on the itsm app.
    private func tenant() throws -> DevTenant {
        var tenant = try IdentityProviderFixture.shippedTenant()
        let itsm = tenant.applications.firstIndex { $0.name == "itsm" }!
        tenant.applications[itsm].certificates = [Data(Self.certificate)]
        return tenant
    }

    private func assertion(
        _ client: IdentityProviderFixture.Client, algorithm: JWSAlgorithm = .rs256, header: JSONObject? = nil, key: _RSA.Signing.PrivateKey = key,
        audience: String? = nil, expiresIn: Int64 = 600, subject: String? = nil
    ) throws -> String {
        let appID = client.app("itsm").appID
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONObject = [
            "aud": .string(audience ?? client.tokenURL), "iss": .string(appID), "sub": .string(subject ?? appID), "jti": .string(UUID().uuidString),
            "iat": .integer(now), "exp": .integer(now + expiresIn),
        ]
        let thumbprints: JSONObject =
            algorithm == .ps256
            ? ["x5t#S256": .string(Thumbprint.sha256(Self.certificate))] : ["x5t": .string(Thumbprint.sha1(Self.certificate) + "=")]
        return try CompactJWS.sign(header: header ?? thumbprints.merging(["typ": "JWT"]) { $1 }, claims: claims, key: .rsa(key), algorithm: algorithm)
    }

    private func oboWithAssertion(_ client: IdentityProviderFixture.Client, _ assertion: String) async throws -> HTTPResult {
        let tokenA = try await client.signIn()
        let tokenB = try await client.exchange("concierge", assertion: tokenA, scope: "api://triage/access_as_user")
        let tokenC = try await client.exchange("triage", assertion: tokenB, scope: "api://itsm/access_as_user")
        return try await client.token([
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use": "on_behalf_of", "client_id": client.app("itsm").appID,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion, "assertion": tokenC,
            "scope": "api://servicenow/user_impersonation",
        ])
    }

    @Test("RS256 with a padded x5t and PS256 with x5t#S256 are both accepted, and the token records a certificate credential")
    func accepted() async throws {
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant()) { _, client in
            for algorithm in [JWSAlgorithm.rs256, .ps256] {
                let result = try await oboWithAssertion(client, try assertion(client, algorithm: algorithm))
                #expect(result.status == 200, "\(algorithm): \(result.body)")
                #expect(try claims(of: result.json["access_token"] as? String ?? "")["azpacr"] == "2")
            }
        }
    }

    @Test("a wrong signature is 700027, an unknown certificate 50012, an expired assertion 700024, sub ≠ iss 50048, a foreign aud 50012")
    func refused() async throws {
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant()) { _, client in
            let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let unknownCertificate = try Certificate.selfSigned(commonName: "stranger", key: otherKey).derBytes()
            let cases: [(String, Int)] = [
                (try assertion(client, key: otherKey), 700027),
                (try assertion(client, header: ["x5t": .string(Thumbprint.sha1(unknownCertificate))], key: otherKey), 50012),
                (try assertion(client, expiresIn: -900), 700024),
                (try assertion(client, subject: "someone-else"), 50048),
                (try assertion(client, audience: "https://evil.example/token"), 50012),
            ]
            for (assertion, code) in cases {
                expectEntraError(try await oboWithAssertion(client, assertion), status: 401, error: "invalid_client", code: code)
            }
        }
    }
}
