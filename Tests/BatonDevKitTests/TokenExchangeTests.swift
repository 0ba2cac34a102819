import BatonIdentity
import BatonTestSupport
import Foundation
import Testing

@testable import BatonDevKit

@Suite("Dev IdP: RFC 8693 token exchange")
struct TokenExchangeTests {
    private func actorToken(_ client: IdentityProviderFixture.Client, _ app: String) async throws -> String {
        let result = try await client.clientCredentials(app, scope: "api://\(app)/.default")
        return try #require(result.json["access_token"] as? String, "\(result.body)")
    }

    private func exchange(_ client: IdentityProviderFixture.Client, _ app: String, subject: String, audience: String, actor: String?) async throws
        -> HTTPResult
    {
        var fields = [
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "client_id": client.app(app).appID, "client_secret": "\(app)-dev-secret",
            "subject_token": subject, "subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "audience": audience,
        ]
        if let actor {
            fields["actor_token"] = actor
            fields["actor_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
        }
        return try await client.token(fields)
    }

    @Test("with actor tokens, each hop's token carries a nested act: the current actor outermost")
    func nestedActors() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let userToken = try await client.signIn()
            let first = try await exchange(
                client, "concierge", subject: userToken, audience: "triage", actor: try await actorToken(client, "concierge"))
            #expect(first.status == 200, "\(first.body)")
            #expect(first.json["issued_token_type"] as? String == "urn:ietf:params:oauth:token-type:access_token")
            let tokenB = try #require(first.json["access_token"] as? String)
            let second = try await exchange(client, "triage", subject: tokenB, audience: "itsm", actor: try await actorToken(client, "triage"))
            #expect(second.status == 200, "\(second.body)")
            let issued = try claims(of: try #require(second.json["access_token"] as? String))
            #expect(issued["aud"]?.stringValue == client.app("itsm").appID)
            #expect(issued["oid"] == (try claims(of: userToken))["oid"])
            let act = try #require(issued["act"]?.objectValue)
            #expect(act["sub"]?.stringValue == client.app("triage").appID)
            #expect(act["act"]?.objectValue?["sub"]?.stringValue == client.app("concierge").appID)
        }
    }

    @Test("without an actor token the exchange is impersonation: no act")
    func impersonation() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let result = try await exchange(client, "concierge", subject: try await client.signIn(), audience: "api://triage", actor: nil)
            #expect(result.status == 200, "\(result.body)")
            #expect(try claims(of: result.json["access_token"] as! String)["act"] == nil)
        }
    }

    @Test("an actor token of another client, a subject for another audience and an unknown target are refused")
    func refused() async throws {
        try await IdentityProviderFixture.withRunningProvider { _, client in
            let userToken = try await client.signIn()
            let foreignActor = try await exchange(
                client, "concierge", subject: userToken, audience: "triage", actor: try await actorToken(client, "crm"))
            expectEntraError(foreignActor, error: "invalid_request", code: 50013)
            let wrongSubject = try await exchange(client, "triage", subject: userToken, audience: "itsm", actor: nil)
            expectEntraError(wrongSubject, error: "invalid_request", code: 50013)
            let unknownTarget = try await exchange(client, "concierge", subject: userToken, audience: "nowhere", actor: nil)
            expectEntraError(unknownTarget, error: "invalid_target", code: 500011)
        }
    }
}
