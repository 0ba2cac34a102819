import BatonConfig
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BatonServer

@Suite("Bearer tokens on /v1")
struct BearerTokenMiddlewareTests {
    /// A daemon trusting the running dev IdP, with the concierge as the API's audience.
    private func daemon(_ directory: TemporaryDirectory, idp client: IdentityProviderFixture.Client) throws -> BatonDaemon {
        var configuration = BatonConfiguration()
        configuration.server.listen.port = 0
        configuration.storage.dataDirectory = directory.file("data")
        let concierge = client.app("concierge")
        configuration.identity = IdentitySettings(
            audiences: [concierge.appID] + concierge.identifierURIs,
            issuers: [IssuerSettings(name: "dev", kind: .entra, authority: client.base, tenants: [client.tenant.id])]
        )
        return try BatonDaemon(configuration: configuration, logger: Logger(label: "test"))
    }

    private func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)"]
    }

    @Test("GET /v1/me returns the verified caller, never the token")
    func me() async throws {
        let directory = try TemporaryDirectory()
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let token = try await client.signIn()
            try await daemon(directory, idp: client).makeApplication().test(.live) { http in
                let response = try await http.execute(uri: "/v1/me", method: .get, headers: bearer(token))
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                let caller = try JSONDecoder().decode(CallerRoutes.Caller.self, from: Data(body.utf8))
                #expect(caller.objectID == provider.tenant.user(username: "jane@contoso.com")?.oid)
                #expect(caller.tenantID == provider.tenant.id)
                #expect(caller.username == "jane@contoso.com")
                #expect(caller.scopes == ["access_as_user"])
                #expect(caller.tokenVersion == 2)
                #expect(caller.issuer == "\(client.base)/\(provider.tenant.id)/v2.0")
                #expect(!body.contains(token.split(separator: ".")[2]))
                let lowercaseScheme = try await http.execute(uri: "/v1/me", method: .get, headers: [.authorization: "bearer \(token)"])
                #expect(lowercaseScheme.status == .ok)
            }
        }
        #expect(try permissions(of: directory.file("data/fingerprint.key")) == 0o600)
    }

    @Test("no token is 401 with a bare Bearer challenge and token_missing")
    func missing() async throws {
        let directory = try TemporaryDirectory()
        try await IdentityProviderFixture.withRunningProvider { _, client in
            try await daemon(directory, idp: client).makeApplication().test(.live) { http in
                for headers: HTTPFields in [[:], [.authorization: "Basic dXNlcjpwYXNz"], [.authorization: "Bearer "]] {
                    let response = try await http.execute(uri: "/v1/me", method: .get, headers: headers)
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="baton""#)
                    #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error.code == "token_missing")
                }
            }
        }
    }

    @Test("a refused token is 401 invalid_token with a description and the stable code, never echoing the token")
    func refused() async throws {
        let directory = try TemporaryDirectory()
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            await provider.setClockOffset(.seconds(-7200))
            let expired = try await client.signIn()
            await provider.setClockOffset(.zero)
            let triageToken = try await client.exchange("concierge", assertion: try await client.signIn(), scope: "api://triage/access_as_user")
            try await daemon(directory, idp: client).makeApplication().test(.live) { http in
                for (token, code) in [(expired, "token_expired"), (triageToken, "audience_invalid"), ("garbage", "token_malformed")] {
                    let response = try await http.execute(uri: "/v1/me", method: .get, headers: bearer(token))
                    #expect(response.status == .unauthorized)
                    let challenge = try #require(response.headers[.wwwAuthenticate])
                    #expect(challenge.hasPrefix(#"Bearer realm="baton", error="invalid_token", error_description=""#), "\(challenge)")
                    let body = String(buffer: response.body)
                    #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)).error.code == code)
                    if token.contains(".") {
                        #expect(!body.contains(token.split(separator: ".")[1]) && !challenge.contains(token.split(separator: ".")[1]))
                    }
                }
                let metrics = String(buffer: try await http.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains(#"baton_token_verifications_total{outcome="token_expired"} 1"#))
            }
        }
    }

    @Test("insufficient scope is 403 with an insufficient_scope challenge naming the scope")
    func insufficientScope() {
        let response = BearerTokenMiddleware.refusal(.insufficientScope(required: ["Incidents.Read", "Baton.Auditor"]))
        #expect(response.status == .forbidden)
        let challenge = response.headers[.wwwAuthenticate] ?? ""
        #expect(challenge.hasPrefix(#"Bearer realm="baton", error="insufficient_scope", error_description=""#))
        #expect(challenge.hasSuffix(#"scope="Incidents.Read Baton.Auditor""#))
    }

    @Test("with no issuer configured /v1 answers 503 identity_not_configured")
    func notConfigured() async throws {
        let directory = try TemporaryDirectory()
        var configuration = BatonConfiguration()
        configuration.server.listen.port = 0
        configuration.storage.dataDirectory = directory.file("data")
        try await BatonDaemon(configuration: configuration, logger: Logger(label: "test")).makeApplication().test(.live) { http in
            let response = try await http.execute(uri: "/v1/me", method: .get, headers: bearer("x.y.z"))
            #expect(response.status == .serviceUnavailable)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error.code == "identity_not_configured")
        }
    }
}
