import BatonCore

/// The workload access tokens Baton has issued: each an opaque random value bound to one
/// workload and, when it was issued for a user's token, that user and token, until it
/// expires. Only the workload it was issued to can use it. Kept in memory: a restart
/// ends them, and the workload asks again (as it does when one expires).
actor WorkloadTokens {
    struct Grant: Sendable {
        let workload: String
        /// The user the token speaks for (ForJWT), and the token that proved it.
        let user: ChainUser?
        let userToken: Secret?
        let expires: ContinuousClock.Instant
    }

    private var grants: [String: Grant] = [:]
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(900), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new token for `workload` (and `user`, proven by `userToken`).
    func issue(for workload: String, user: ChainUser?, userToken: Secret?) -> Secret {
        if grants.count >= capacity { grants = grants.filter { $0.value.expires > .now } }
        let token = "bwat_" + Hex.random(byteCount: 32)
        grants[token] = Grant(workload: workload, user: user, userToken: userToken, expires: .now + lifetime)
        return Secret(token)
    }

    /// What `token` grants, while it is current (the caller checks whose it is).
    func grant(_ token: Secret) -> Grant? {
        guard let grant = grants[token.revealed] else { return nil }
        guard grant.expires > .now else {
            grants[token.revealed] = nil
            return nil
        }
        return grant
    }
}
