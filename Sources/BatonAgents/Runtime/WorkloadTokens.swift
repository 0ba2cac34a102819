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

    /// A downstream token Baton handed an app during a hop it runs, and what it is for.
    public struct DownstreamGrant: Sendable {
        /// The workload token's grant (its hop, user and workload).
        public let grant: Grant
        /// The resource the token was exchanged for.
        public let resource: String
        /// Whether other hops running now hold the same token (the vault hands the same
        /// user's token to concurrent hops): the request is then recorded in the latest of
        /// them, the user and agent certain, the hop not.
        public let isShared: Bool
    }

    /// What a presented token is: current, past its end (kept, without the user's token,
    /// so that a late use can still be recorded against its user), or unknown.
    public enum Lookup: Sendable {
        case current(Grant)
        case ended(Grant)
        case unknown
    }

    private var grants: [String: Grant] = [:]
    /// Downstream tokens by value: the workload tokens they were issued under (one per hop
    /// that holds it, latest last), and their resource.
    private var downstream: [String: [(workloadToken: String, resource: String)]] = [:]
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
        if grants.count >= capacity {
            grants = grants.filter { $0.value.expires > .now }
            prune(keeping: { grants[$0] != nil })
        }
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
        if case .current(let grant) = lookup(token) { return grant }
        return nil
    }

    /// Whether `token` is current, has ended, or was never issued (or has been forgotten).
    public func lookup(_ token: Secret) -> Lookup {
        guard let grant = grants[token.revealed] else { return .unknown }
        guard grant.expires > .now else {
            end(token.revealed, grant)
            return .ended(grants[token.revealed] ?? grant)
        }
        return .current(grant)
    }

    /// Ends `token` at once, and the downstream tokens issued under it: the hop it was minted for is over.
    public func revoke(_ token: Secret) {
        guard let grant = grants[token.revealed] else { return }
        end(token.revealed, grant)
    }

    /// Keeps an ended grant as a tombstone (who it was for, not their token) and drops its downstream tokens.
    private func end(_ token: String, _ grant: Grant) {
        grants[token] = Grant(
            workload: grant.workload, user: grant.user, userToken: nil, position: grant.position, expires: min(grant.expires, .now))
        prune(keeping: { $0 != token })
    }

    /// Keeps the downstream registrations whose workload token `keep` accepts.
    private func prune(keeping keep: (String) -> Bool) {
        downstream = downstream.compactMapValues { holders in
            let kept = holders.filter { keep($0.workloadToken) }
            return kept.isEmpty ? nil : kept
        }
    }

    /// Remembers that `token` (for `resource`) was handed to the holder of `workloadToken`,
    /// so that the app may call the downstream through Baton with it while its hop lasts.
    public func register(downstream token: Secret, resource: String, under workloadToken: Secret) {
        guard let grant = grants[workloadToken.revealed], grant.position != nil, grant.expires > .now else { return }
        var holders = downstream[token.revealed, default: []].filter { $0.workloadToken != workloadToken.revealed }
        holders.append((workloadToken.revealed, resource))
        downstream[token.revealed] = holders
    }

    /// What `token` was issued for, while a workload token it was issued under is current
    /// (the latest such, when several hops hold it).
    public func downstreamGrant(_ token: Secret) -> DownstreamGrant? {
        let current = (downstream[token.revealed] ?? []).compactMap { holder in
            grant(Secret(holder.workloadToken)).map { (grant: $0, resource: holder.resource) }
        }
        guard let latest = current.last else {
            downstream[token.revealed] = nil
            return nil
        }
        return DownstreamGrant(grant: latest.grant, resource: latest.resource, isShared: current.count > 1)
    }
}
