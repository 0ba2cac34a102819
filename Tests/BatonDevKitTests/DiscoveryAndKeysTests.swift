import BatonCore
import BatonIdentity
import BatonTestSupport
import Crypto
import Foundation
import Testing

@testable import BatonDevKit

@Suite("Dev IdP: discovery and keys over HTTP")
struct DiscoveryAndKeysTests {
    @Test("the v2 discovery document is Entra's, with this server's endpoints")
    func discoveryV2() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let tenant = provider.tenant.id
            let result = try await httpGet("\(client.base)/\(tenant)/v2.0/.well-known/openid-configuration")
            #expect(result.status == 200)
            #expect(result.headers["cache-control"] == "max-age=86400, private")
            let document = result.json
            #expect(document["issuer"] as? String == "\(client.base)/\(tenant)/v2.0")
            #expect(document["token_endpoint"] as? String == "\(client.base)/\(tenant)/oauth2/v2.0/token")
            #expect(document["authorization_endpoint"] as? String == "\(client.base)/\(tenant)/oauth2/v2.0/authorize")
            #expect(document["jwks_uri"] as? String == "\(client.base)/\(tenant)/discovery/v2.0/keys")
            #expect(
                document["token_endpoint_auth_methods_supported"] as? [String] == ["client_secret_post", "private_key_jwt", "client_secret_basic"])
            #expect(document["id_token_signing_alg_values_supported"] as? [String] == ["RS256"])
            #expect(document["subject_types_supported"] as? [String] == ["pairwise"])
            #expect(document["grant_types_supported"] == nil, "Entra does not advertise grant types")
            let byDomain = try await httpGet("\(client.base)/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
            #expect(byDomain.json["issuer"] as? String == "\(client.base)/\(tenant)/v2.0")
        }
    }

    @Test("the v1 discovery document names the sts.windows.net issuer and v1 endpoints")
    func discoveryV1() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let document = try await httpGet("\(client.base)/\(provider.tenant.id)/.well-known/openid-configuration").json
            #expect(document["issuer"] as? String == "https://sts.windows.net/\(provider.tenant.id)/")
            #expect(document["token_endpoint"] as? String == "\(client.base)/\(provider.tenant.id)/oauth2/token")
            #expect(document["jwks_uri"] as? String == "\(client.base)/\(provider.tenant.id)/discovery/keys")
            #expect(document["microsoft_multi_refresh_token"] as? Bool == true)
        }
    }

    @Test("organizations and common serve Entra's {tenantid} issuer template, in discovery and on each key")
    func multiTenantTemplate() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let document = try await httpGet("\(client.base)/organizations/v2.0/.well-known/openid-configuration").json
            #expect(document["issuer"] as? String == "\(client.base)/{tenantid}/v2.0")
            #expect(document["jwks_uri"] as? String == "\(client.base)/organizations/discovery/v2.0/keys")
            let keys = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(try await httpGet("\(client.base)/common/discovery/keys").body.utf8))
            #expect(keys.keys.first?.issuer == "https://sts.windows.net/{tenantid}/")
        }
    }

    @Test("an unknown tenant gets AADSTS90002")
    func unknownTenant() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let result = try await httpGet("\(client.base)/nobody.example/v2.0/.well-known/openid-configuration")
            #expect(result.status == 400)
            #expect(result.json["error_codes"] as? [Int] == [90002])
        }
    }

    @Test("the JWKS holds RSA-2048 keys whose kid and x5t are the SHA-1 thumbprint of the x5c certificate")
    func keys() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let data = Data(try await httpGet("\(client.base)/\(provider.tenant.id)/discovery/v2.0/keys").body.utf8)
            let set = try JSONDecoder().decode(JSONWebKeySet.self, from: data)
            let key = try #require(set.keys.first)
            #expect(set.keys.count == 1)
            #expect(key.kty == "RSA" && key.use == "sig" && key.e == "AQAB")
            #expect(key.kid == key.x5t)
            let certificate = try #require(key.x5c?.first.flatMap { Data(base64Encoded: $0) })
            #expect(Base64URL.encode(Data(Insecure.SHA1.hash(data: certificate))) == key.kid)
            #expect(key.issuer == "\(client.base)/\(provider.tenant.id)/v2.0")
            guard case .rsa(let publicKey) = try #require(key.verificationKey()) else {
                Issue.record("not an RSA key")
                return
            }
            #expect(publicKey.keySizeInBits == 2048)
        }
    }

    @Test("a rotated key appears in the JWKS, signs new tokens, and the old key stays published")
    func rotation() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let keysURL = "\(client.base)/\(provider.tenant.id)/discovery/v2.0/keys"
            let before = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(try await httpGet(keysURL).body.utf8))
            let oldToken = try await client.signIn()
            let rotated = try await httpPostForm("\(client.base)/_dev/rotate-keys", [:])
            #expect(rotated.status == 200)
            let after = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(try await httpGet(keysURL).body.utf8))
            #expect(after.keys.count == 2)
            #expect(after.keys.first?.kid == before.keys.first?.kid)
            let newKid = try #require(after.keys.last?.kid)
            #expect(rotated.json["active_kid"] as? String == newKid)
            let newToken = try CompactJWS(parsing: try await client.signIn())
            #expect(newToken.header["kid"]?.stringValue == newKid)
            let old = try CompactJWS(parsing: oldToken)
            let oldKey = try #require(after.keys.first { $0.kid == old.header["kid"]?.stringValue }?.verificationKey())
            #expect(oldKey.isValid(old.signature, for: old.signingInput, algorithm: .rs256))
        }
    }

    @Test("MSAL's instance discovery points at the tenant's discovery document")
    func instanceDiscovery() async throws {
        try await IdentityProviderFixture.withRunningProvider { provider, client in
            let document = try await httpGet("\(client.base)/common/discovery/instance?api-version=1.1").json
            #expect(document["tenant_discovery_endpoint"] as? String == "\(client.base)/\(provider.tenant.id)/v2.0/.well-known/openid-configuration")
        }
    }
}
