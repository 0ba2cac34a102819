import BatonIdentity
import BatonTestSupport
import Foundation
import Testing

@testable import BatonDevKit

@Suite("Dev IdP: Entra's checks in Entra's order, with Entra's answers")
struct EntraErrorTests {
    private let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    @Test("a missing parameter is AADSTS900144 naming it, and an unsupported grant AADSTS70003")
    func requestShape() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let body = expectEntraError(
                try await client.token(["grant_type": jwtBearer, "client_id": client.app("concierge").appID, "scope": "api://triage/access_as_user"]),
                error: "invalid_request", code: 900144)
            #expect((body["error_description"] as? String)?.contains("'assertion'") == true)
            expectEntraError(try await client.token(["grant_type": "implicit"]), error: "unsupported_grant_type", code: 70003)
        }
    }

    @Test("client failures: unknown client 700016, no credential 7000218, wrong secret 7000215, public client with a secret 700025")
    func clientChecks() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            var fields = [
                "grant_type": jwtBearer, "requested_token_use": "on_behalf_of", "assertion": tokenA, "scope": "api://triage/access_as_user",
                "client_id": "11111111-2222-3333-4444-555555555555",
            ]
            expectEntraError(try await client.token(fields), error: "unauthorized_client", code: 700016)
            fields["client_id"] = client.app("concierge").appID
            expectEntraError(try await client.token(fields), status: 401, error: "invalid_client", code: 7000218)
            fields["client_secret"] = "not-the-secret"
            let wrong = expectEntraError(try await client.token(fields), status: 401, error: "invalid_client", code: 7000215)
            #expect((wrong["error_description"] as? String)?.contains("not-the-secret") == false, "the secret is never echoed")
            expectEntraError(
                try await client.token([
                    "grant_type": "password", "client_id": client.app("baton-cli").appID, "client_secret": "x", "username": "jane@contoso.com",
                    "password": "jane-dev-password", "scope": "api://concierge/access_as_user",
                ]),
                status: 401, error: "invalid_client", code: 700025)
        }
    }

    @Test("a wrong password is AADSTS50126")
    func wrongPassword() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let result = try await client.token([
                "grant_type": "password", "client_id": client.app("baton-cli").appID, "username": "jane@contoso.com", "password": "guess",
                "scope": "api://concierge/access_as_user",
            ])
            expectEntraError(result, error: "invalid_grant", code: 50126)
        }
    }

    @Test("an assertion whose audience is not the calling client is AADSTS500131")
    func assertionAudience() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let body = expectEntraError(
                try await client.onBehalfOf("triage", assertion: tokenA, scope: "api://itsm/access_as_user"), error: "invalid_grant", code: 500131)
            #expect((body["error_description"] as? String)?.contains("The audience in the assertion was '\(client.app("concierge").appID)'") == true)
        }
    }

    @Test("an expired assertion is AADSTS500133")
    func expiredAssertion() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            await provider.setClockOffset(.seconds(-7200))
            let old = try await client.signIn()
            await provider.setClockOffset(.zero)
            expectEntraError(
                try await client.onBehalfOf("concierge", assertion: old, scope: "api://triage/access_as_user"), error: "invalid_grant", code: 500133)
        }
    }

    @Test("a forged, garbled or foreign assertion is AADSTS50013")
    func invalidAssertion() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let forged = try CompactJWS.sign(
                header: ["kid": "whatever"], claims: claims(of: tokenA), key: .rsa(.init(keySize: .bits2048)), algorithm: .rs256)
            for assertion in [forged, "not-a-jwt", String(tokenA.dropLast(4))] {
                expectEntraError(
                    try await client.onBehalfOf("concierge", assertion: assertion, scope: "api://triage/access_as_user"), error: "invalid_grant",
                    code: 50013)
            }
        }
    }

    @Test("an app-only assertion is AADSTS7000114 and an id token AADSTS240002")
    func wrongKindsOfAssertion() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let appOnly = try await client.clientCredentials("triage", scope: "api://concierge/.default")
            let appToken = try #require(appOnly.json["access_token"] as? String)
            expectEntraError(
                try await client.onBehalfOf("concierge", assertion: appToken, scope: "api://triage/access_as_user"),
                error: "unauthorized_client", code: 7000114)

            // An id token's audience is the client that signed in, so make the CLI app confidential to present its own id token.
            var tenant = client.tenant
            let cli = tenant.applications.firstIndex { $0.name == "baton-cli" }!
            tenant.applications[cli].isPublicClient = false
            tenant.applications[cli].secrets = [.init("cli-secret")]
            tenant.applications[cli].permissions.append(.init(resource: "triage", scopes: ["access_as_user"], consented: true))
            try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { _, confidential in
                let signInAgain = try await confidential.token([
                    "grant_type": "password", "client_id": confidential.app("baton-cli").appID, "client_secret": "cli-secret",
                    "username": "jane@contoso.com", "password": "jane-dev-password", "scope": "api://concierge/access_as_user openid",
                ])
                let id = try #require(signInAgain.json["id_token"] as? String)
                let result = try await confidential.token([
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use": "on_behalf_of",
                    "client_id": confidential.app("baton-cli").appID, "client_secret": "cli-secret", "assertion": id,
                    "scope": "api://triage/access_as_user",
                ])
                expectEntraError(result, error: "invalid_grant", code: 240002)
            }
        }
    }

    @Test("scope failures: unknown scope 70011, unknown resource 500011, two resources 700022, none 28003, not requested 650057")
    func scopeChecks() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let cases: [(String, String, Int)] = [
                ("api://triage/delete_everything", "invalid_scope", 70011),
                ("api://nowhere/access_as_user", "invalid_resource", 500011),
                ("api://triage/access_as_user api://crm/access_as_user", "invalid_scope", 700022),
                ("offline_access", "invalid_scope", 28003),
                ("api://itsm/access_as_user", "invalid_client", 650057),
            ]
            for (scope, error, code) in cases {
                expectEntraError(try await client.onBehalfOf("concierge", assertion: tokenA, scope: scope), error: error, code: code)
            }
        }
    }

    @Test("a permission without consent is AADSTS65001 with suberror consent_required")
    func consentRequired() async throws {
        var tenant = try IdentityProviderFixture.shippedTenant()
        let concierge = tenant.applications.firstIndex { $0.name == "concierge" }!
        tenant.applications[concierge].permissions[0].consented = false
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { _, client in
            let tokenA = try await client.signIn()
            let body = expectEntraError(
                try await client.onBehalfOf("concierge", assertion: tokenA, scope: "api://triage/access_as_user"),
                error: "invalid_grant", code: 65001)
            #expect(body["suberror"] as? String == "consent_required")
        }
    }

    @Test("a client the resource pre-authorizes needs no consent")
    func preAuthorized() async throws {
        var tenant = try IdentityProviderFixture.shippedTenant()
        let concierge = tenant.applications.firstIndex { $0.name == "concierge" }!
        let triage = tenant.applications.firstIndex { $0.name == "triage" }!
        tenant.applications[concierge].permissions.removeAll { $0.resource == "triage" }
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { _, client in
            let tokenA = try await client.signIn()
            expectEntraError(
                try await client.onBehalfOf("concierge", assertion: tokenA, scope: "api://triage/access_as_user"), error: "invalid_client",
                code: 650057)
        }
        tenant.applications[triage].preAuthorized = [.init(client: "concierge", scopes: ["access_as_user"])]
        try await IdentityProviderFixture.withRunningProvider(tenant: tenant) { _, client in
            let tokenA = try await client.signIn()
            #expect(try await client.onBehalfOf("concierge", assertion: tokenA, scope: "api://triage/access_as_user").status == 200)
        }
    }

    @Test("a user flagged for MFA gets interaction_required 50076 with a claims challenge; an MFA sign-in satisfies it")
    func multiFactor() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn("mallory@contoso.com")
            let body = expectEntraError(
                try await client.onBehalfOf("concierge", assertion: tokenA, scope: "api://triage/access_as_user"),
                error: "interaction_required", code: 50076)
            let challenge = try #require(body["claims"] as? String)
            let parsed = try JSONSerialization.jsonObject(with: Data(challenge.utf8)) as? [String: Any]
            #expect(parsed?["access_token"] != nil, "the challenge is raw JSON, not base64")

            let stepUp = try await client.signIn("mallory@contoso.com", extra: ["claims": challenge])
            let result = try await client.onBehalfOf("concierge", assertion: stepUp, scope: "api://triage/access_as_user")
            #expect(result.status == 200, "\(result.body)")
        }
    }

    @Test("a forced claims challenge reaches the caller with exactly the configured claims")
    func forcedChallenge() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let claims = #"{"access_token":{"acrs":{"essential":true,"value":"c7"}}}"#
            await provider.forceClaimsChallenge(for: "itsm", claims: claims)
            let tokenA = try await client.signIn()
            let tokenB = try await client.exchange("concierge", assertion: tokenA, scope: "api://triage/access_as_user")
            let body = expectEntraError(
                try await client.onBehalfOf("triage", assertion: tokenB, scope: "api://itsm/access_as_user"),
                error: "interaction_required", code: 50076)
            #expect(body["claims"] as? String == claims)
            await provider.forceClaimsChallenge(for: "itsm", claims: nil)
            #expect(try await client.onBehalfOf("triage", assertion: tokenB, scope: "api://itsm/access_as_user").status == 200)
        }
    }

    @Test("throttling answers 429 with Retry-After, and the unavailable mode 503 on every endpoint")
    func throttlingAndOutage() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            await provider.throttle(next: 1, retryAfter: 7)
            let throttled = try await client.token(["grant_type": "password"])
            expectEntraError(throttled, status: 429, error: "temporarily_unavailable", code: 90055)
            #expect(throttled.headers["retry-after"] == "7")
            #expect(try await client.signIn().isEmpty == false, "only the next request is throttled")

            let outage = try await httpPostForm("\(client.base)/_dev/unavailable?enabled=true", [:])
            #expect(outage.status == 200)
            #expect(try await httpGet("\(client.base)/\(provider.tenant.id)/discovery/v2.0/keys").status == 503)
            #expect(try await httpGet("\(client.base)/\(provider.tenant.id)/v2.0/.well-known/openid-configuration").status == 503)
            expectEntraError(try await client.token(["grant_type": "password"]), status: 503, error: "temporarily_unavailable", code: 90033)
            await provider.setUnavailable(false)
            #expect(try await httpGet("\(client.base)/\(provider.tenant.id)/discovery/v2.0/keys").status == 200)
        }
    }
}
