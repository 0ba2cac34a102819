import BatonCore
import Foundation
import Testing

@testable import BatonAgents

@Suite("Workload access tokens: bound to a workload and a user, ended with their hop, remembered as ended")
struct WorkloadTokensTests {
    let jane = ChainUser(tenantID: "t", objectID: "jane-oid", username: "jane@contoso.com")

    @Test("a downstream token passes only while the workload token it was issued under is current; its hop's end ends both")
    func downstreamEndsWithTheHop() async {
        let tokens = WorkloadTokens()
        let position = ChainPosition.start(at: "servicenow-agent")
        let workloadToken = await tokens.issue(for: "w", user: jane, userToken: Secret("token-a"), position: position)
        let downstream = Secret("token-b")
        await tokens.register(downstream: downstream, resource: "api://servicenow", under: workloadToken)
        let issued = await tokens.downstreamGrant(downstream)
        #expect(issued?.resource == "api://servicenow" && issued?.grant.position?.chainID == position.chainID)
        #expect(await tokens.downstreamGrant(Secret("another")) == nil)

        await tokens.revoke(workloadToken)
        #expect(await tokens.downstreamGrant(downstream) == nil, "the hop is over")
        guard case .ended(let ended) = await tokens.lookup(workloadToken) else {
            Issue.record("an ended token is remembered as ended")
            return
        }
        #expect(ended.user == jane && ended.userToken == nil, "who it was for, not their token")
    }

    @Test("two hops of one user holding the same downstream token: the latest hop's while both run, the other's once it ends, never refused early")
    func sharedDownstreamToken() async {
        let tokens = WorkloadTokens()
        let first = await tokens.issue(for: "w", user: jane, userToken: Secret("a1"), position: .start(at: "servicenow-agent"))
        let second = await tokens.issue(for: "w", user: jane, userToken: Secret("a2"), position: .start(at: "servicenow-agent"))
        let shared = Secret("token-b")
        await tokens.register(downstream: shared, resource: "api://servicenow", under: first)
        await tokens.register(downstream: shared, resource: "api://servicenow", under: second)
        let both = await tokens.downstreamGrant(shared)
        #expect(both?.isShared == true && both?.grant.userToken == Secret("a2"))
        await tokens.revoke(second)
        let left = await tokens.downstreamGrant(shared)
        #expect(left?.isShared == false && left?.grant.userToken == Secret("a1"), "the first hop's calls still pass, in its own chain")
        await tokens.revoke(first)
        #expect(await tokens.downstreamGrant(shared) == nil)
    }

    @Test("a token without a hop (GetWorkloadAccessTokenForJWT) cannot carry downstream tokens; one past the user's token's expiry has ended")
    func expiryAndNoHop() async {
        let tokens = WorkloadTokens(lifetime: .seconds(900))
        let unbound = await tokens.issue(for: "w", user: jane, userToken: Secret("token-a"))
        await tokens.register(downstream: Secret("token-b"), resource: "api://servicenow", under: unbound)
        #expect(await tokens.downstreamGrant(Secret("token-b")) == nil)

        let lapsed = await tokens.issue(
            for: "w", user: jane, userToken: Secret("token-a"), position: .start(at: "a"), userTokenExpires: Int64(Date().timeIntervalSince1970) - 1)
        if case .ended = await tokens.lookup(lapsed) {} else { Issue.record("a token never outlives the user's token") }
        if case .unknown = await tokens.lookup(Secret("bwat_never_issued")) {} else { Issue.record("an unknown token is unknown") }
    }
}
