import BatonCore
import BatonDevKit
import BatonIdentity
import Crypto
import Foundation
import Logging

/// Token verifications per second with a warm key cache: RS256 tokens from the dev IdP
/// (the Entra path) and ES256 tokens from a generic OIDC issuer.
struct VerificationBenchmark {
    let throughput: Throughput
    let concurrency: [Int]
    let tenantFile: String

    func run() async throws -> [String] {
        let logger = Logger(label: "baton.bench")
        var lines: [String] = []
        let provider = try DevIdentityProvider(tenant: try DevTenant.load(file: tenantFile, environment: [:]))
        let server = DevIdentityProviderServer(provider: provider, logger: logger)
        try await LocalServer.run(logger: logger, server.makeApplication) { url in
            let concierge = provider.tenant.application("concierge")!
            let claims = try await signInClaims(provider: provider, base: url)
            let token = try await provider.signCustomToken(claims: claims)
            let verifier = TokenVerifier(
                issuers: [TrustedIssuer(name: "dev", kind: .entra(authority: url, multiTenant: false), tenants: [provider.tenant.id])],
                fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)), logger: logger)
            let policy = TokenPolicy(audiences: [concierge.appID])
            lines.append(try await measure("RS256 (Entra v2 token, RSA-2048)", verifier: verifier, token: token, policy: policy))
        }
        let issuer = StaticKeyIssuer(key: .p256(.init()), algorithm: .es256)
        try await LocalServer.run(logger: logger, { try issuer.makeApplication(logger: logger, onRunning: $0) }) { url in
            let now = Int64(Date().timeIntervalSince1970)
            let token = try issuer.sign([
                "iss": .string(url), "aud": "api://baton", "exp": .integer(now + 3600), "iat": .integer(now),
                "oid": "5d1c9a3e-2f4b-4c6d-8e9f-0a1b2c3d4e5f",
                "scp": "read", "name": "Bench User",
            ])
            let verifier = TokenVerifier(
                issuers: [
                    TrustedIssuer(name: "oidc", kind: .openIDConnect(discoveryURL: "\(url)/.well-known/openid-configuration"), algorithms: [.es256])
                ],
                fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)), logger: logger)
            lines.append(
                try await measure("ES256 (OIDC token, P-256)", verifier: verifier, token: token, policy: TokenPolicy(audiences: ["api://baton"])))
        }
        return lines
    }

    private func measure(_ label: String, verifier: TokenVerifier, token: String, policy: TokenPolicy) async throws -> String {
        _ = try await verifier.verify(token, policy: policy)
        var figures: [String] = []
        for tasks in concurrency {
            let rate = try await throughput.measure(tasks: tasks) { _ = try await verifier.verify(token, policy: policy) }
            figures.append("\(tasks) task\(tasks == 1 ? "" : "s"): \(Int(rate.rounded()).formatted())/s")
        }
        return "\(label)  " + figures.joined(separator: "  ")
    }

    /// Realistic claims: Jane's token as the dev IdP issues it, with a long lifetime for the run.
    private func signInClaims(provider: DevIdentityProvider, base: String) async throws -> JSONObject {
        let jane = provider.tenant.user(username: "jane@contoso.com")!
        let concierge = provider.tenant.application("concierge")!
        let now = Int64(Date().timeIntervalSince1970)
        return [
            "aud": .string(concierge.appID), "iss": .string("\(base)/\(provider.tenant.id)/v2.0"), "iat": .integer(now), "nbf": .integer(now),
            "exp": .integer(now + 3600), "tid": .string(provider.tenant.id), "oid": .string(jane.oid), "sub": "bench",
            "preferred_username": .string(jane.username), "name": .string(jane.name), "scp": "access_as_user", "ver": "2.0",
            "azp": .string(provider.tenant.application("baton-cli")!.appID), "azpacr": "0", "uti": "bench",
        ]
    }
}
