import BatonCore
import BatonIdentity
import BatonTestSupport
import Foundation
import Testing

@testable import BatonDevKit

@Suite("Dev IdP: sign-in and On-Behalf-Of over HTTP")
struct OnBehalfOfTests {
    @Test("a password sign-in gives a v2 token for the concierge, signed by a published key")
    func passwordSignIn() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let result = try await client.token([
                "grant_type": "password", "client_id": client.app("baton-cli").appID, "username": "jane@contoso.com",
                "password": "jane-dev-password", "scope": "api://concierge/access_as_user openid profile offline_access", "client_info": "1",
            ])
            #expect(result.status == 200)
            let body = result.json
            #expect(body["token_type"] as? String == "Bearer")
            #expect(body["scope"] as? String == "api://concierge/access_as_user offline_access openid profile")
            #expect((body["expires_in"] as? Int) == 3600)
            #expect(body["refresh_token"] is String)
            let token = try CompactJWS(parsing: body["access_token"] as! String)
            let jane = try #require(provider.tenant.user(username: "jane@contoso.com"))
            #expect(token.header["typ"] == "JWT" && token.algorithm == .rs256)
            #expect(token.claims["aud"]?.stringValue == client.app("concierge").appID)
            #expect(token.claims["iss"]?.stringValue == "\(client.base)/\(provider.tenant.id)/v2.0")
            #expect(token.claims["ver"] == "2.0")
            #expect(token.claims["tid"]?.stringValue == provider.tenant.id)
            #expect(token.claims["oid"]?.stringValue == jane.oid)
            #expect(token.claims["preferred_username"] == "jane@contoso.com")
            #expect(token.claims["name"] == "Jane Smith")
            #expect(token.claims["scp"] == "access_as_user")
            #expect(token.claims["azp"]?.stringValue == client.app("baton-cli").appID)
            #expect(token.claims["azpacr"] == "0")
            #expect(token.claims["uti"]?.stringValue?.isEmpty == false)
            let iat = try #require(token.claims["iat"]?.integerValue)
            #expect(token.claims["exp"]?.integerValue == iat + 3600)
            let keys = try await provider.keySet(version: 2)
            let key = try #require(keys.keys.first { $0.kid == token.header["kid"]?.stringValue }?.verificationKey())
            #expect(key.isValid(token.signature, for: token.signingInput, algorithm: .rs256))
            let idToken = try claims(of: body["id_token"] as! String)
            #expect(idToken["aud"]?.stringValue == client.app("baton-cli").appID)
            let info = try #require(Base64URL.decode(body["client_info"] as! String))
            #expect(String(decoding: info, as: UTF8.self) == #"{"uid":"\#(jane.oid)","utid":"\#(provider.tenant.id)"}"#)
        }
    }

    @Test("multi-hop OBO: each hop has its own audience and azp, the same tid and oid, and a new pairwise sub")
    func multiHop() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let tokenA = try await client.signIn()
            let tokenB = try await client.exchange("concierge", assertion: tokenA, scope: "api://triage/access_as_user")
            let tokenC = try await client.exchange("triage", assertion: tokenB, scope: "api://itsm/access_as_user")
            let tokenD = try await client.exchange("itsm", assertion: tokenC, scope: "api://servicenow/user_impersonation")
            let hops = try [tokenA, tokenB, tokenC, tokenD].map(claims(of:))
            let expected: [(aud: String, azp: String)] = [
                ("concierge", "baton-cli"), ("triage", "concierge"), ("itsm", "triage"), ("servicenow", "itsm"),
            ]
            for (hop, (audience, party)) in zip(hops, expected) {
                #expect(hop["aud"]?.stringValue == client.app(audience).appID, "\(audience)")
                #expect(hop["azp"]?.stringValue == client.app(party).appID, "\(audience)")
                #expect(hop["tid"] == hops[0]["tid"])
                #expect(hop["oid"] == hops[0]["oid"])
                #expect(hop["act"] == nil, "Entra records no actor chain")
            }
            #expect(hops[1]["azpacr"] == "1")
            #expect(hops[3]["scp"] == "user_impersonation")
            #expect(Set(hops.compactMap { $0["sub"]?.stringValue }).count == 4, "sub is pairwise per app")
            #expect(Set(hops.compactMap { $0["uti"]?.stringValue }).count == 4)
        }
    }

    @Test("a resource that accepts v1 tokens gets aud as requested, the sts.windows.net issuer, appid and an x5t header")
    func versionOneResource() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let tokenA = try await client.signIn()
            let tokenB = try await client.exchange("concierge", assertion: tokenA, scope: "api://workplace/access_as_user")
            let graph = try CompactJWS(
                parsing: try await client.exchange("workplace", assertion: tokenB, scope: "https://graph.microsoft.com/User.Read"))
            #expect(graph.claims["aud"] == "https://graph.microsoft.com")
            #expect(graph.claims["iss"]?.stringValue == "https://sts.windows.net/\(provider.tenant.id)/")
            #expect(graph.claims["ver"] == "1.0")
            #expect(graph.claims["appid"]?.stringValue == client.app("workplace").appID)
            #expect(graph.claims["appidacr"] == "1")
            #expect(graph.claims["upn"] == "jane@contoso.com")
            #expect(graph.claims["azp"] == nil)
            #expect(graph.header["x5t"] == graph.header["kid"])
        }
    }

    @Test("the client secret is accepted in HTTP Basic as well as in the body")
    func basicAuthentication() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let credentials = Data("\(client.app("concierge").appID):concierge-dev-secret".utf8).base64EncodedString()
            let result = try await client.token(
                [
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use": "on_behalf_of", "assertion": tokenA,
                    "scope": "api://triage/access_as_user",
                ],
                headers: ["Authorization": "Basic \(credentials)"]
            )
            #expect(result.status == 200, "\(result.body)")
        }
    }

    @Test("a refresh token from OBO renews access for the same client and user and is rotated")
    func refreshToken() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let tokenA = try await client.signIn()
            let obo = try await client.onBehalfOf("concierge", assertion: tokenA, scope: "api://triage/access_as_user offline_access")
            let refresh = try #require(obo.json["refresh_token"] as? String)
            let fields = [
                "grant_type": "refresh_token", "client_id": client.app("concierge").appID, "client_secret": "concierge-dev-secret",
                "refresh_token": refresh, "scope": "api://triage/access_as_user",
            ]
            let renewed = try await client.token(fields)
            #expect(renewed.status == 200, "\(renewed.body)")
            #expect(try claims(of: renewed.json["access_token"] as! String)["oid"] == claims(of: tokenA)["oid"])
            #expect(renewed.json["refresh_token"] as? String != refresh)
            expectEntraError(try await client.token(fields), error: "invalid_grant", code: 9002313)
            let stolen = try #require(renewed.json["refresh_token"] as? String)
            var other = fields
            other["client_id"] = client.app("triage").appID
            other["client_secret"] = "triage-dev-secret"
            other["refresh_token"] = stolen
            expectEntraError(try await client.token(other), error: "invalid_grant", code: 70000)
        }
    }

    @Test("client credentials give an app-only token with idtyp app and no scp")
    func clientCredentials() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let result = try await client.clientCredentials("triage", scope: "api://itsm/.default")
            #expect(result.status == 200, "\(result.body)")
            let token = try claims(of: result.json["access_token"] as! String)
            #expect(token["idtyp"] == "app")
            #expect(token["scp"] == nil)
            #expect(token["oid"]?.stringValue == client.app("triage").objectID)
            expectEntraError(
                try await client.clientCredentials("triage", scope: "api://itsm/access_as_user"),
                error: "invalid_scope", code: 1_002_012)
        }
    }
}
