import BatonCore
import BatonIdentity

/// A caller whose token ``AgentRuntime/caller(of:token:)`` has verified for one agent.
///
/// A front door that must know the user before it starts a chain (A2A keeps a task per
/// user) hands this to ``AgentRuntime/invoke(agent:input:token:joining:expectedUser:traceID:events:caller:)``,
/// and the chain's first hop takes it instead of verifying the same token a second time.
/// Only the runtime makes one; the hop takes it only for the same agent and token, and
/// only while the token has not expired.
public struct VerifiedCaller: Sendable {
    /// The agent the token was verified for.
    public let agent: String
    public let principal: Principal
    let token: Secret
    let verified: VerifiedToken

    /// When the token expires (its `exp`, Unix seconds).
    public var expires: Int64? { verified.claims["exp"]?.integerValue }

    init(agent: String, token: Secret, verified: VerifiedToken) {
        self.agent = agent
        self.principal = verified.principal
        self.token = token
        self.verified = verified
    }

    /// The verification, when it stands for `token` at `agent` and the token's `exp` is
    /// still ahead (otherwise the hop verifies afresh, with the verifier's clock skew).
    func verification(of token: Secret, at agent: String, now: Int64) -> VerifiedToken? {
        guard agent == self.agent, token == self.token, let expiry = verified.claims["exp"]?.integerValue, now < expiry else { return nil }
        return verified
    }
}
