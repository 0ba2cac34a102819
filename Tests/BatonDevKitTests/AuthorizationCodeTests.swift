import BatonCore
import BatonIdentity
import BatonTestSupport
import Crypto
import Foundation
import Testing

@testable import BatonDevKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Dev IdP: the authorization code flow with PKCE over HTTP")
struct AuthorizationCodeTests {
    /// The audit console's callback at baton-cli, on a port the system might have chosen.
    private static let callback = "http://127.0.0.1:53682/console/callback"
    private static let scope = "api://concierge/access_as_user openid offline_access"

    /// A PKCE verifier and its S256 challenge.
    private static func pkce() -> (verifier: String, challenge: String) {
        let verifier = Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        return (verifier, Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8)))))
    }

    /// The authorization request a native client sends for baton-cli, with `overrides` applied (`nil` removes a parameter).
    private static func authorization(_ client: IdentityProviderFixture.Client, challenge: String, _ overrides: [String: String?] = [:])
        -> [String: String]
    {
        var fields: [String: String?] = [
            "client_id": client.app("baton-cli").appID, "response_type": "code", "redirect_uri": callback, "scope": scope,
            "state": "s-42", "code_challenge": challenge, "code_challenge_method": "S256", "nonce": "n-7", "login_hint": "jane@contoso.com",
        ]
        fields.merge(overrides) { $1 }
        return fields.compactMapValues { $0 }
    }

    private static func authorizeURL(_ client: IdentityProviderFixture.Client) -> String {
        "\(client.base)/\(client.tenant.id)/oauth2/v2.0/authorize"
    }

    private static func get(_ url: String, _ fields: [String: String]) async throws -> HTTPResult {
        try await httpRequestNotFollowingRedirects(URLRequest(url: URL(string: "\(url)?\(URLText.formEncoded(fields))")!, timeoutInterval: 10))
    }

    private static func post(_ url: String, _ fields: [String: String]) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(URLText.formEncoded(fields).utf8)
        return try await httpRequestNotFollowingRedirects(request)
    }

    /// What a browser posts back from the sign-in page: its hidden fields, unescaped.
    private static func hiddenFields(of page: String) -> [String: String] {
        var fields: [String: String] = [:]
        for match in page.matches(of: /<input type="hidden" name="([^"]*)" value="([^"]*)">/) {
            fields[unescaped(String(match.output.1))] = unescaped(String(match.output.2))
        }
        return fields
    }

    private static func unescaped(_ html: String) -> String {
        html.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    private static func query(of location: String?) -> [String: String] {
        let items = location.flatMap { URLComponents(string: $0)?.queryItems } ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }) { _, last in last }
    }

    /// Signs `user` in through the page for `fields` and returns the code the client receives.
    private static func code(
        _ client: IdentityProviderFixture.Client, _ fields: [String: String], user: String = "jane@contoso.com", password: String? = nil
    ) async throws -> String {
        let page = try await get(authorizeURL(client), fields)
        try #require(page.status == 200, "\(page.body)")
        var form = hiddenFields(of: page.body)
        form["username"] = user
        form["password"] = password ?? "\(user.prefix { $0 != "@" })-dev-password"
        let answer = try await post(authorizeURL(client), form)
        try #require(answer.status == 302, "\(answer.body)")
        return try #require(query(of: answer.headers["location"])["code"])
    }

    private static func redeem(
        _ client: IdentityProviderFixture.Client, code: String, verifier: String, app: String = "baton-cli", redirectURI: String = callback,
        extra: [String: String] = [:]
    ) async throws -> HTTPResult {
        try await client.token(
            [
                "grant_type": "authorization_code", "client_id": client.app(app).appID, "code": code, "redirect_uri": redirectURI,
                "code_verifier": verifier,
            ].merging(extra) { $1 })
    }

    @Test("sign-in page, credentials, a 302 with code and state, then a token for the resource with the user's oid")
    func happyPath() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let discovery = try await httpGet("\(client.base)/\(provider.tenant.id)/v2.0/.well-known/openid-configuration").json
            let endpoint = try #require(discovery["authorization_endpoint"] as? String)
            #expect(endpoint == Self.authorizeURL(client))
            #expect(endpoint == (await provider.authorizationEndpoint))
            #expect(discovery["code_challenge_methods_supported"] as? [String] == ["S256", "plain"])

            let (verifier, challenge) = Self.pkce()
            let hostileState = #""><script>alert(1)</script>"#
            let page = try await Self.get(endpoint, Self.authorization(client, challenge: challenge, ["state": hostileState]))
            #expect(page.status == 200, "\(page.body)")
            #expect(page.contentType == "text/html; charset=utf-8")
            #expect(page.headers["cache-control"] == "no-store")
            let policy = try #require(page.headers["content-security-policy"])
            #expect(policy.contains("default-src 'none'") && policy.contains("form-action 'self' http://127.0.0.1:53682"), "\(policy)")
            #expect(page.body.contains(#"<form method="post" action="/\#(provider.tenant.id)/oauth2/v2.0/authorize">"#))
            #expect(page.body.contains(#"<label for="username">"#) && page.body.contains(#"<label for="password">"#))
            #expect(page.body.contains(#"value="jane@contoso.com""#), "the login hint fills in the username")
            #expect(!page.body.contains(hostileState), "the state is escaped")
            #expect(!page.body.contains("<script"))
            #expect(page.body.contains("&quot;&gt;&lt;script&gt;"))

            var form = Self.hiddenFields(of: page.body)
            #expect(form["state"] == hostileState && form["code_challenge"] == challenge && form["nonce"] == "n-7")
            form["username"] = "jane@contoso.com"
            form["password"] = "jane-dev-password"
            let answer = try await Self.post(endpoint, form)
            #expect(answer.status == 302, "\(answer.body)")
            let location = try #require(answer.headers["location"])
            #expect(location.hasPrefix(Self.callback + "?"))
            let returned = Self.query(of: location)
            #expect(returned["state"] == hostileState)
            let code = try #require(returned["code"])

            let result = try await Self.redeem(client, code: code, verifier: verifier)
            #expect(result.status == 200, "\(result.body)")
            #expect(result.json["scope"] as? String == "api://concierge/access_as_user offline_access openid")
            #expect(result.json["refresh_token"] is String)
            let token = try claims(of: try #require(result.json["access_token"] as? String))
            let jane = try #require(provider.tenant.user(username: "jane@contoso.com"))
            #expect(token["aud"]?.stringValue == client.app("concierge").appID)
            #expect(token["oid"]?.stringValue == jane.oid)
            #expect(token["azp"]?.stringValue == client.app("baton-cli").appID)
            #expect(token["scp"] == "access_as_user")
            #expect(token["amr"]?.stringArrayValue == ["pwd"])
            let idToken = try claims(of: try #require(result.json["id_token"] as? String))
            #expect(idToken["aud"]?.stringValue == client.app("baton-cli").appID)
            #expect(idToken["nonce"] == "n-7")
            #expect(idToken["auth_time"]?.integerValue != nil)
        }
    }

    @Test("a confidential client redeems only with its secret; a user flagged mfa_required signs in with MFA (amr pwd, mfa)")
    func confidentialClient() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let (verifier, challenge) = Self.pkce()
            let redirectURI = "http://127.0.0.1:40123/agentcore/oauth2/callback"
            let fields = Self.authorization(
                client, challenge: challenge,
                [
                    "client_id": client.app("servicenow-agent").appID, "redirect_uri": redirectURI, "scope": "api://servicenow/user_impersonation",
                    "login_hint": nil,
                ])
            let code = try await Self.code(client, fields, user: "mallory@contoso.com")
            let withoutSecret = try await Self.redeem(client, code: code, verifier: verifier, app: "servicenow-agent", redirectURI: redirectURI)
            expectEntraError(withoutSecret, status: 401, error: "invalid_client", code: 7000218)
            let result = try await Self.redeem(
                client, code: code, verifier: verifier, app: "servicenow-agent", redirectURI: redirectURI,
                extra: ["client_secret": "servicenow-agent-dev-secret"])
            #expect(result.status == 200, "\(result.body)")
            let token = try claims(of: try #require(result.json["access_token"] as? String))
            #expect(token["aud"]?.stringValue == client.app("servicenow").appID)
            #expect(token["azpacr"] == "1")
            #expect(token["amr"]?.stringArrayValue == ["pwd", "mfa"])
            #expect(result.json["id_token"] == nil, "no openid, no id token")
        }
    }

    @Test("a verifier that does not match the challenge is AADSTS50148")
    func wrongVerifier() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let (_, challenge) = Self.pkce()
            let code = try await Self.code(client, Self.authorization(client, challenge: challenge))
            expectEntraError(try await Self.redeem(client, code: code, verifier: Self.pkce().verifier), error: "invalid_grant", code: 50148)
            expectEntraError(try await Self.redeem(client, code: code, verifier: challenge), error: "invalid_grant", code: 50148)
        }
    }

    @Test("a code is redeemed once: the second redemption is AADSTS54005")
    func reusedCode() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let (verifier, challenge) = Self.pkce()
            let code = try await Self.code(client, Self.authorization(client, challenge: challenge))
            #expect(try await Self.redeem(client, code: code, verifier: verifier).status == 200)
            expectEntraError(try await Self.redeem(client, code: code, verifier: verifier), error: "invalid_grant", code: 54005)
        }
    }

    @Test("at the token endpoint, another redirect URI is AADSTS50011, another client AADSTS70000, an unknown code AADSTS70000")
    func codeBindings() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let (verifier, challenge) = Self.pkce()
            let code = try await Self.code(client, Self.authorization(client, challenge: challenge))
            let otherPort = "http://127.0.0.1:53683/console/callback"
            expectEntraError(
                try await Self.redeem(client, code: code, verifier: verifier, redirectURI: otherPort), error: "invalid_grant", code: 50011)
            expectEntraError(try await Self.redeem(client, code: code, verifier: verifier, app: "mcp-client"), error: "invalid_grant", code: 70000)
            expectEntraError(try await Self.redeem(client, code: "0.dev.unknown", verifier: verifier), error: "invalid_grant", code: 70000)
            #expect(try await Self.redeem(client, code: code, verifier: verifier).status == 200, "failed redemptions leave the code usable")
        }
    }

    @Test("a code older than ten minutes is AADSTS70008")
    func expiredCode() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let (verifier, challenge) = Self.pkce()
            let code = try await Self.code(client, Self.authorization(client, challenge: challenge))
            await provider.setClockOffset(.seconds(601))
            expectEntraError(try await Self.redeem(client, code: code, verifier: verifier), error: "invalid_grant", code: 70008)
        }
    }

    @Test("an unregistered redirect URI, or an unknown client, gets a 400 page and no redirect")
    func untrustedRedirect() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let challenge = Self.pkce().challenge
            let cases: [([String: String?], Int)] = [
                (["redirect_uri": "https://attacker.example/steal"], 50011),
                (["redirect_uri": "http://127.0.0.1:53682/elsewhere"], 50011),
                (["client_id": client.app("mcp-client").appID, "redirect_uri": "https://attacker.example/steal"], 500113),
                (["client_id": "11111111-2222-3333-4444-555555555555"], 700016),
            ]
            for (overrides, code) in cases {
                let result = try await Self.get(Self.authorizeURL(client), Self.authorization(client, challenge: challenge, overrides))
                #expect(result.status == 400, "\(overrides)")
                #expect(result.headers["location"] == nil, "\(overrides)")
                #expect(result.contentType == "text/html; charset=utf-8")
                #expect(result.body.contains("AADSTS\(code):"), "\(overrides): \(result.body)")
                #expect(!result.body.contains("<form"))
            }
        }
    }

    @Test("a request without code_challenge goes back to the client with invalid_request, the PKCE requirement and the state")
    func missingChallenge() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let result = try await Self.get(
                Self.authorizeURL(client), Self.authorization(client, challenge: "", ["code_challenge": nil, "code_challenge_method": nil]))
            #expect(result.status == 302, "\(result.body)")
            let returned = Self.query(of: result.headers["location"])
            #expect(result.headers["location"]?.hasPrefix(Self.callback + "?") == true)
            #expect(returned["error"] == "invalid_request")
            #expect(returned["error_description"]?.hasPrefix("AADSTS900144: ") == true)
            #expect(returned["error_description"]?.contains("requires PKCE") == true)
            #expect(returned["state"] == "s-42")
            #expect(returned["code"] == nil)

            let badScope = try await Self.get(
                Self.authorizeURL(client), Self.authorization(client, challenge: Self.pkce().challenge, ["scope": "api://nowhere/x"]))
            #expect(Self.query(of: badScope.headers["location"])["error"] == "invalid_resource")
            let badType = try await Self.get(
                Self.authorizeURL(client), Self.authorization(client, challenge: Self.pkce().challenge, ["response_type": "token"]))
            #expect(Self.query(of: badType.headers["location"])["error"] == "unsupported_response_type")
        }
    }

    @Test("a wrong password or an unknown user shows the page again with one message and issues no code")
    func wrongPassword() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let fields = Self.authorization(client, challenge: Self.pkce().challenge, ["login_hint": nil])
            let page = try await Self.get(Self.authorizeURL(client), fields)
            var bodies: [String] = []
            for (user, password) in [("jane@contoso.com", "not-her-password"), ("nobody@contoso.com", "jane-dev-password")] {
                var form = Self.hiddenFields(of: page.body)
                form["username"] = user
                form["password"] = password
                let result = try await Self.post(Self.authorizeURL(client), form)
                #expect(result.status == 200)
                #expect(result.headers["location"] == nil)
                #expect(result.body.contains("Your account or password is incorrect."))
                #expect(result.body.contains(#"value="\#(user)""#), "the username stays filled in")
                bodies.append(result.body.replacingOccurrences(of: user, with: ""))
            }
            #expect(bodies[0] == bodies[1], "the page does not say which of the two was wrong")
        }
    }
}
