import BatonCore
import Foundation

/// The workload access tokens Baton has issued: each an opaque random value bound to one
/// workload and, when it was issued for a user's token, that user and token, until it
/// expires (never after the user's token does). Only the workload it was issued to can use
/// it. Kept in memory: a restart ends them, and the workload asks again (as it does when
/// one expires).
///
/// Tokens Baton mints itself for a hop at an AgentCore app also carry the hop's place in
/// its chain, so that what the app then asks for is recorded in that chain.
public actor WorkloadTokens {
    public struct Grant: Sendable {
        public let workload: String
        /// The user the token speaks for (ForJWT, or a hop), and the token that proved it.
        public let user: ChainUser?
        public let userToken: Secret?
        /// The hop the token was minted for, when Baton called the app itself.
        public let position: ChainPosition?
        public let expires: ContinuousClock.Instant
    }

    private var grants: [String: Grant] = [:]
    public let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(900), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new token for `workload` (and `user`, proven by `userToken`, at `position`), valid
    /// for the configured lifetime or until `userTokenExpires` (Unix seconds), whichever is sooner.
    public func issue(
        for workload: String, user: ChainUser?, userToken: Secret?, position: ChainPosition? = nil, userTokenExpires: Int64? = nil
    ) -> Secret {
        if grants.count >= capacity { grants = grants.filter { $0.value.expires > .now } }
        let token = "bwat_" + Hex.random(byteCount: 32)
        var expires = ContinuousClock.now + lifetime
        if let userTokenExpires {
            let left = Duration.seconds(userTokenExpires - Int64(Date().timeIntervalSince1970))
            expires = min(expires, .now + max(left, .zero))
        }
        grants[token] = Grant(workload: workload, user: user, userToken: userToken, position: position, expires: expires)
        return Secret(token)
    }

    /// What `token` grants, while it is current (the caller checks whose it is).
    public func grant(_ token: Secret) -> Grant? {
        guard let grant = grants[token.revealed] else { return nil }
        guard grant.expires > .now else {
            grants[token.revealed] = nil
            return nil
        }
        return grant
    }

    /// Ends `token` at once: the hop it was minted for is over.
    public func revoke(_ token: Secret) {
        grants[token.revealed] = nil
    }
}
