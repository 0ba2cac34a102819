import BatonCore

/// The 2025-11-25 revision's sessions: minted at `initialize`, each bound to the user who
/// opened it and the agent it was opened at, so another user's token on the same session id
/// finds nothing (as an unknown id). Bounded: past `capacity`, idle sessions go first, then
/// the least recently used; a client whose session went away initializes again (404).
actor MCPSessions {
    private struct Session {
        let user: ChainUser
        let agent: String
        var lastUsed: ContinuousClock.Instant
    }

    private var sessions: [String: Session] = [:]
    private let capacity: Int
    private let idleLimit: Duration

    init(capacity: Int = 10_000, idleLimit: Duration = .seconds(3600)) {
        self.capacity = capacity
        self.idleLimit = idleLimit
    }

    /// A new session for `user` at `agent`: 128 random bits as 32 hex digits.
    func open(for user: ChainUser, at agent: String) -> String {
        if sessions.count >= capacity { evict() }
        let id = Hex.random(byteCount: 16)
        sessions[id] = Session(user: user, agent: agent, lastUsed: .now)
        return id
    }

    /// Whether `id` is a live session of `user` at `agent`; using it keeps it alive.
    func isOpen(_ id: String, for user: ChainUser, at agent: String) -> Bool {
        guard var session = sessions[id], session.agent == agent, session.user.isSameUser(as: user) else { return false }
        guard ContinuousClock.now - session.lastUsed < idleLimit else {
            sessions[id] = nil
            return false
        }
        session.lastUsed = .now
        sessions[id] = session
        return true
    }

    /// Ends `user`'s session `id`; whether there was one.
    func close(_ id: String, for user: ChainUser, at agent: String) -> Bool {
        guard isOpen(id, for: user, at: agent) else { return false }
        sessions[id] = nil
        return true
    }

    var count: Int { sessions.count }

    private func evict() {
        let now = ContinuousClock.now
        sessions = sessions.filter { now - $0.value.lastUsed < idleLimit }
        while sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            sessions[oldest] = nil
        }
    }
}
