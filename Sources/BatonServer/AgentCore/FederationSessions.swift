import BatonCore
import BatonIdentity
import Foundation

/// AgentCore's `USER_FEDERATION` (three-legged OAuth) in flight and done: a session per
/// authorization Baton started for a workload and a user, found by its `sessionUri` (what
/// the SDK polls with) and by its `state` (what the IdP's redirect brings back); and the
/// tokens users have granted, kept until they expire so the next request of the same
/// workload, provider, user and scopes gets one at once (unless `forceAuthentication`).
///
/// In memory: a restart ends sessions in flight (the app asks again, and the user signs in
/// again).
actor FederationSessions {
    enum Status: Sendable {
        /// Waiting for the user to sign in at the IdP.
        case awaitingUser
        /// The user signed in; waiting for the app to bind the session to its user
        /// (`CompleteResourceTokenAuth`), because it named a return URL.
        case awaitingCompletion(ExchangedToken)
        case complete(ExchangedToken)
        case failed(String)
        /// A callback is redeeming the code, or a `CompleteResourceTokenAuth` is binding it:
        /// one at a time (a second one finds the session taken).
        case redeeming
        case completing(ExchangedToken)
    }

    struct Session: Sendable {
        let uri: String
        let state: String
        let workload: String
        let agent: String
        let provider: String
        let resource: String
        let scopes: ScopeSet
        let user: ChainUser
        let position: ChainPosition?
        let verifier: Secret
        let redirectURI: String
        let returnURL: String?
        let customState: String?
        let client: ExchangeClient
        let expires: ContinuousClock.Instant
        var status: Status
    }

    private var sessions: [String: Session] = [:]
    private var byState: [String: String] = [:]
    private var granted: [String: ExchangedToken] = [:]
    let lifetime: Duration
    let capacity: Int

    init(lifetime: Duration = .seconds(600), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A new session; its `uri` and `state` are fresh random values.
    func open(
        workload: String, agent: String, provider: String, resource: String, scopes: ScopeSet, user: ChainUser, position: ChainPosition?,
        verifier: Secret, redirectURI: String, returnURL: String?, customState: String?, client: ExchangeClient
    ) -> Session {
        if sessions.count >= capacity { sweep() }
        let session = Session(
            uri: "urn:ietf:params:oauth:request_uri:" + Hex.random(byteCount: 16), state: Hex.random(byteCount: 16), workload: workload,
            agent: agent, provider: provider, resource: resource, scopes: scopes, user: user, position: position, verifier: verifier,
            redirectURI: redirectURI, returnURL: returnURL, customState: customState, client: client, expires: .now + lifetime,
            status: .awaitingUser)
        sessions[session.uri] = session
        byState[session.state] = session.uri
        return session
    }

    func session(uri: String) -> Session? {
        guard let session = sessions[uri], session.expires > .now else { return nil }
        return session
    }

    func session(state: String) -> Session? {
        byState[state].flatMap { session(uri: $0) }
    }

    /// The session of `state` if it waits for the user, now taken by the caller (`redeeming`).
    func claim(state: String) -> Session? {
        guard var session = session(state: state), case .awaitingUser = session.status else { return nil }
        session.status = .redeeming
        sessions[session.uri] = session
        return session
    }

    /// The session `uri` of `workload` if it waits to be bound, now taken by the caller
    /// (`completing`), with the token it holds.
    func claimCompletion(uri: String, workload: String) -> (Session, ExchangedToken)? {
        guard var session = session(uri: uri), session.workload == workload, case .awaitingCompletion(let token) = session.status else {
            return nil
        }
        session.status = .completing(token)
        sessions[uri] = session
        return (session, token)
    }

    func update(_ uri: String, to status: Status) {
        sessions[uri]?.status = status
        if case .complete(let token) = status, let session = sessions[uri] { granted[Self.key(session)] = token }
    }

    /// A token `user` granted before for the same workload, provider, resource and scopes, while it is valid for another minute.
    func granted(workload: String, provider: String, user: ChainUser, resource: String, scopes: ScopeSet) -> ExchangedToken? {
        let key = Self.key(workload: workload, provider: provider, user: user, resource: resource, scopes: scopes)
        guard let token = granted[key], token.expiresAt.timeIntervalSinceNow > 60 else { return nil }
        return token
    }

    private func sweep() {
        let now = ContinuousClock.now
        sessions = sessions.filter { $0.value.expires > now }
        byState = byState.filter { sessions[$0.value] != nil }
        granted = granted.filter { $0.value.expiresAt.timeIntervalSinceNow > 0 }
    }

    private static func key(_ session: Session) -> String {
        key(workload: session.workload, provider: session.provider, user: session.user, resource: session.resource, scopes: session.scopes)
    }

    private static func key(workload: String, provider: String, user: ChainUser, resource: String, scopes: ScopeSet) -> String {
        [workload, provider, user.tenantID, user.objectID, resource, scopes.scopes.sorted().joined(separator: " ")].joined(separator: "\n")
    }
}
