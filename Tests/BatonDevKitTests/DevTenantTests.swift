import BatonConfig
import BatonTestSupport
import Foundation
import Testing
import X509
import _CryptoExtras

@testable import BatonDevKit

@Suite("Dev IdP: the tenant file")
struct DevTenantTests {
    @Test("the shipped dev/tenant.yaml loads with its agents, resources and users")
    func shippedTenant() throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        #expect(tenant.domain == "contoso.onmicrosoft.com")
        for name in ["baton-cli", "concierge", "triage", "itsm", "workplace", "crm", "servicenow", "graph", "salesforce"] {
            #expect(tenant.application(name) != nil, "\(name)")
        }
        #expect(tenant.application("api://itsm")?.name == "itsm")
        #expect(tenant.application("https://graph.microsoft.com")?.accessTokenVersion == 1)
        #expect(tenant.user(username: "mallory@contoso.com")?.mfaRequired == true)
        #expect(tenant.user(username: "audrey@contoso.com")?.roles["concierge"] == ["Baton.Auditor"])
        #expect(tenant.application("itsm")?.secrets.first?.revealed == "itsm-dev-secret")
    }

    @Test("redirect URIs match exactly, and a loopback one on any port — or any loopback one when the app lists none")
    func redirectURIs() throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        let agent = try #require(tenant.application("servicenow-agent"))
        #expect(agent.redirectURIs.contains("http://127.0.0.1/agentcore/oauth2/callback"))
        #expect(agent.accepts(redirectURI: "http://127.0.0.1:53682/agentcore/oauth2/callback"))
        #expect(agent.accepts(redirectURI: "http://127.0.0.1/agentcore/oauth2/callback"))
        #expect(agent.accepts(redirectURI: "http://localhost:8080/agentcore/oauth2/callback"))
        #expect(!agent.accepts(redirectURI: "http://127.0.0.1:53682/agentcore/oauth2/callback?next=x"), "the query is part of the URI")
        #expect(!agent.accepts(redirectURI: "http://127.0.0.1:53682/other"))
        #expect(!agent.accepts(redirectURI: "https://127.0.0.1:53682/agentcore/oauth2/callback"), "only http gets the loopback rule")
        #expect(!agent.accepts(redirectURI: "http://user@127.0.0.1:53682/agentcore/oauth2/callback"))
        let unregistered = try #require(tenant.application("mcp-client"))
        #expect(unregistered.redirectURIs.isEmpty)
        #expect(unregistered.accepts(redirectURI: "http://localhost:33418/callback"))
        #expect(!unregistered.accepts(redirectURI: "https://mcp.example/callback"))
        let web = DevApplication(name: "web", appID: Self.guid(1), objectID: Self.guid(2), redirectURIs: ["https://web.example/signin"])
        #expect(web.accepts(redirectURI: "https://web.example/signin"))
        #expect(!web.accepts(redirectURI: "https://web.example/signin/"), "no trailing-slash leniency, as in Entra")
        #expect(!web.accepts(redirectURI: "http://127.0.0.1:9000/signin"), "an app with redirect URIs gets no loopback it did not list")
    }

    @Test("a ${VAR} replaces a dev secret without editing the file")
    func secretFromEnvironment() throws {
        let tenant = try DevTenant.load(file: IdentityProviderFixture.tenantFile, environment: ["BATON_DEV_ITSM_SECRET": "rotated"])
        #expect(tenant.application("itsm")?.secrets.first?.revealed == "rotated")
    }

    @Test("a certificate path is read relative to the tenant file")
    func certificates() throws {
        let directory = try TemporaryDirectory()
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificate = try Certificate.selfSigned(commonName: "agent", key: key)
        try directory.write("agent.pem", try certificate.serializeAsPEM().pemString)
        let path = try directory.write(
            "tenant.yaml", Self.minimal(apps: "  - name: agent\n    app_id: \(Self.guid(1))\n    certificates: [agent.pem]\n"))
        let tenant = try DevTenant.load(file: path, environment: [:])
        #expect(tenant.application("agent")?.certificates == [Data(try certificate.derBytes())])
    }

    @Test(
        "errors name the file and the field",
        arguments: [
            ("  - name: a\n    app_id: not-a-guid\n", "apps[0].app_id: 'not-a-guid' is not a GUID"),
            (
                "  - name: a\n    app_id: \(guid(1))\n    permissions:\n      - resource: ghost\n",
                "apps[0].permissions[0].resource: no app is named 'ghost'"
            ),
            ("  - name: a\n    app_id: \(guid(1))\n    access_token_version: 3\n", "apps[0].access_token_version: must be 1 or 2"),
            (
                "  - name: a\n    app_id: \(guid(1))\n    public_client: true\n    secrets: [x]\n",
                "apps[0].public_client: a public client has no secrets"
            ),
            ("  - name: a\n    app_id: \(guid(1))\n    scopse: [x]\n", "apps[0].scopse: unknown key"),
            ("  - name: a\n    app_id: \(guid(1))\n  - name: a\n    app_id: \(guid(2))\n", "apps[1]: 'a' is used by two apps"),
            (
                "  - name: a\n    app_id: \(guid(1))\n    scopes: [read]\n  - name: b\n    app_id: \(guid(2))\n    permissions:\n      - resource: a\n        scopes: [write]\n",
                "apps[1].permissions[0].scopes: app 'a' exposes no scope 'write'"
            ),
            (
                "  - name: a\n    app_id: \(guid(1))\n    redirect_uris: [https://a.example/cb, http://a.example/cb]\n",
                "apps[0].redirect_uris[1]: 'http://a.example/cb' must use https, or http on 127.0.0.1 or localhost"
            ),
            (
                "  - name: a\n    app_id: \(guid(1))\n    redirect_uris: [\"https://a.example/cb#done\"]\n",
                "apps[0].redirect_uris[0]: 'https://a.example/cb#done' has a fragment"
            ),
            ("  - name: a\n    app_id: \(guid(1))\n    redirect_uris: [callback]\n", "apps[0].redirect_uris[0]: 'callback' is not a URL with a host"),
        ])
    func errors(apps: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tenant.yaml", Self.minimal(apps: apps))
        do {
            _ = try DevTenant.load(file: path, environment: [:])
            Issue.record("expected an error containing \(expected)")
        } catch {
            #expect(error.description.hasPrefix(path), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    static func guid(_ n: Int) -> String {
        String(format: "00000000-0000-4000-8000-%012d", n)
    }

    static func minimal(apps: String) -> String {
        "tenant:\n  id: \(guid(99))\n  domain: test.example\napps:\n\(apps)"
    }
}
