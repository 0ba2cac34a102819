import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Testing

@testable import BatonAgents

@Suite("Agent chains: a fresh OBO token at every hop, the same user throughout, every step in the ledger")
struct DelegationChainTests {
    static let jane = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa"

    @Test(
        "user → concierge → triage → itsm → ServiceNow: each hop's token is for that hop, the user is Jane throughout, the ledger rebuilds the chain")
    func fullChain() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let tenant = mesh.sn.idp.tenant
            let answer = try await mesh.runtime.invoke(
                agent: "concierge", input: "Show me 5 incidents assigned to me", token: try await mesh.signIn())
            let incidents = try #require(answer.data?.objectValue?["incidents"]?.arrayValue)
            #expect(Set(incidents.compactMap { $0.objectValue?["number"]?.stringValue }) == Set(ServiceNowSeed.janesOpenIncidents))
            #expect(answer.text == "5 incidents visible to you.")
            #expect(answer.hops.map(\.agent) == ["concierge", "triage", "itsm"])
            #expect(answer.hops.map(\.hop) == [0, 1, 2])
            #expect(answer.hops.map(\.parentHop) == [nil, 0, 1])
            #expect(
                answer.hops.map(\.audience) == ["concierge", "triage", "itsm"].map { tenant.application($0)!.appID },
                "each hop ran with a token whose audience is that hop's own app")

            let entries = try await mesh.entries(chain: answer.chainID)
            #expect(entries.allSatisfy { $0.user?.objectID == Self.jane && $0.user?.tenantID == tenant.id }, "the ledger names Jane at every hop")
            #expect(
                entries.map(\.kind) == [.inbound, .exchange, .delegate, .exchange, .delegate, .toolCall, .exchange, .downstream],
                "\(entries.map(\.kind))")
            #expect(entries.filter { $0.kind == .exchange }.map(\.target) == ["triage", "itsm", "servicenow"])
            #expect(entries.filter { $0.kind == .exchange }.allSatisfy { $0.tokenSource == "idp" && $0.tokenFingerprint != nil })
            #expect(entries.last?.actorPath == ["concierge", "triage", "itsm"])
            #expect(entries.last?.resource == "servicenow:incident")
            #expect(entries.last?.status == 200)
            let fingerprints = Set(entries.compactMap(\.tokenFingerprint))
            #expect(fingerprints.count == 4, "Token A, the two exchanged for triage and itsm, and the one for ServiceNow")
            let exchanged = entries.filter { $0.kind == .exchange }.map(\.tokenFingerprint)
            let accepted = entries.filter { $0.kind == .delegate }.map(\.tokenFingerprint)
            #expect(Array(exchanged.prefix(2)) == accepted, "each hop ran with exactly the token its caller exchanged for it")
            let tree = ChainTree(entries: entries)
            #expect(tree.rendered.contains("itsm"))
        }
    }

    @Test("a second identical request is served from the vault: no exchange at the IdP")
    func warmChain() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let token = try await mesh.signIn()
            _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
            let before = await mesh.sn.provider.tokenRequestCount
            let again = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
            #expect(await mesh.sn.provider.tokenRequestCount == before)
            #expect(try await mesh.entries(chain: again.chainID).filter { $0.kind == .exchange }.allSatisfy { $0.tokenSource == "hot" })
        }
    }

    @Test("a token for another user smuggled into a hop is refused, audited, and the hop does not run")
    func smuggledToken() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let jane = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: try await mesh.signIn())
            let chain = try await mesh.entries(chain: jane.chainID)[0]
            let harrietForTriage = try await mesh.sn.idp.exchange(
                "concierge", assertion: try await mesh.sn.idp.signIn("harriet@contoso.com"), scope: "api://triage/access_as_user")
            let position = ChainPosition(
                chainID: jane.chainID, hop: 7, parentHop: 0, actorPath: ["concierge", "triage"], traceID: chain.traceID ?? "")
            await #expect(throws: AgentError.self) {
                _ = try await mesh.runtime.invoke(
                    agent: "triage", input: "incidents", token: Secret(harrietForTriage), joining: position, expectedUser: try #require(chain.user))
            }
            let denial = try #require(try await mesh.entries(chain: jane.chainID).last)
            #expect(denial.kind == .deny && denial.reason == "user_mismatch" && denial.agent == "triage")
            #expect(denial.user?.objectID == Self.jane, "the denial is recorded against the chain's user")
            #expect(try await mesh.entries(kind: .toolCall).count == 1, "the smuggled hop called nothing")
        }
    }

    @Test("a token for the wrong audience is refused at the front door")
    func wrongAudience() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let triageToken = try await mesh.sn.idp.exchange(
                "concierge", assertion: try await mesh.signIn().revealed, scope: "api://triage/access_as_user")
            do {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "incidents", token: Secret(triageToken))
                Issue.record("a triage token was accepted by the concierge")
            } catch let error as AgentError {
                #expect(error.code == "audience_invalid", "\(error)")
            }
        }
    }

    @Test(
        "a front door's verified caller spares the first hop a second verification only for the same agent, the same token and while it is unexpired"
    )
    func verifiedCallerHandOff() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            let jane = try await mesh.signIn()
            let janeAtConcierge = try await mesh.runtime.caller(of: "concierge", token: jane)
            let answer = try await mesh.runtime.invoke(
                agent: "concierge", input: "Show me 5 incidents assigned to me", token: jane, caller: janeAtConcierge)
            #expect(answer.hops.map(\.agent) == ["concierge", "triage", "itsm"])
            #expect(try await mesh.entries(chain: answer.chainID).first?.user?.objectID == Self.jane)

            // Another user's token is verified for itself, whatever caller comes with it.
            let harriet = try await mesh.signIn("harriet@contoso.com")
            let theirs = try await mesh.runtime.invoke(
                agent: "concierge", input: "Show me 5 incidents assigned to me", token: harriet, caller: janeAtConcierge)
            #expect(try await mesh.entries(chain: theirs.chainID).first?.user?.objectID != Self.jane, "the chain is Harriet's, not Jane's")

            // A caller verified at another agent does not open this one: the token is checked here.
            let triageToken = Secret(
                try await mesh.sn.idp.exchange("concierge", assertion: jane.revealed, scope: "api://triage/access_as_user"))
            let janeAtTriage = try await mesh.runtime.caller(of: "triage", token: triageToken)
            await #expect(throws: AgentError.self) {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "incidents", token: triageToken, caller: janeAtTriage)
            }

            // Past its token's expiry a verification stands for nothing.
            let expiry = try #require(janeAtConcierge.verified.claims["exp"]?.integerValue)
            #expect(janeAtConcierge.verification(of: jane, at: "concierge", now: expiry - 1) != nil)
            #expect(janeAtConcierge.verification(of: jane, at: "concierge", now: expiry) == nil)
            #expect(janeAtConcierge.verification(of: jane, at: "triage", now: expiry - 1) == nil)
            #expect(janeAtConcierge.verification(of: harriet, at: "concierge", now: expiry - 1) == nil)
        }
    }

    @Test("depth over the limit is refused and audited")
    func depthLimit() async throws {
        try await AgentMeshFixture.withRunning(maximumDepth: 2) { mesh in
            do {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: try await mesh.signIn())
                Issue.record("a chain deeper than 2 ran")
            } catch let error as AgentError {
                #expect(error.code == "depth_exceeded")
            }
            let denial = try #require(try await mesh.entries(kind: .deny).first)
            #expect(denial.agent == "triage" && denial.target == "itsm" && denial.reason == "depth_exceeded")
            #expect(try await mesh.entries(kind: .toolCall).isEmpty)
        }
    }

    @Test("a claims challenge (MFA) at a hop comes back to the caller unchanged")
    func claimsChallenge() async throws {
        try await AgentMeshFixture.withRunning { mesh in
            do {
                _ = try await mesh.runtime.invoke(
                    agent: "concierge", input: "Show me 5 incidents assigned to me", token: try await mesh.signIn("mallory@contoso.com"))
                Issue.record("Mallory's chain ran without MFA")
            } catch let error as AgentError {
                guard case .claimsChallenge(let claims, _) = error else {
                    Issue.record("expected a claims challenge, got \(error)")
                    return
                }
                #expect(claims.contains("acrs") || claims.contains("access_token"), "\(claims)")
            }
            #expect(try await mesh.entries(kind: .error).first?.reason == "interaction_required")
        }
    }

    @Test("when the ledger cannot record, the hop does not happen")
    func failClosed() async throws {
        try await AgentMeshFixture.withRunning(audit: { _ in RefusingRecorder() }) { mesh in
            let token = try await mesh.signIn()
            let before = await mesh.sn.provider.tokenRequestCount
            do {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: token)
                Issue.record("the chain ran without a ledger")
            } catch let error as AgentError {
                #expect(error.code == "audit_failed")
            }
            #expect(await mesh.sn.provider.tokenRequestCount == before, "no exchange happened")
            #expect(await mesh.sn.emulator.statistics().requests == 0, "ServiceNow was not called")
        }
    }
}

/// A ledger that cannot write.
struct RefusingRecorder: AuditRecorder {
    struct Full: Error {}

    func append(_ entry: LedgerEntry) async throws -> Int64 {
        throw Full()
    }
}
