import BatonCore
import BatonIdentity
internal import Crypto
import Foundation

/// The console's sessions, and the sign-ins in flight, for this daemon.
///
/// A sign-in in flight lives in the browser that started it, sealed in its cookie
/// (``PendingSignInSeal``): starting one costs no memory, so a flood of sign-in attempts
/// can neither exhaust the daemon nor push out a real user's. What is kept is bounded and
/// earned: a session per successful sign-in (its configured lifetime, the oldest dropped
/// first when the table is full) and, for ten minutes, the `state` of each completed
/// sign-in, so that one cannot be completed twice.
actor ConsoleSessions {
    static let pendingLifetime: TimeInterval = 600
    static let maximumSessions = 100_000
    /// Live views one session may hold open at once (tabs): each polls the ledger every second.
    static let maximumLiveStreams = 4

    private let lifetime: TimeInterval
    private let now: @Sendable () -> Date
    private let seal = PendingSignInSeal()
    /// The states of completed sign-ins, with when each started.
    private var completed: [String: Date] = [:]
    private var sessions: [String: ConsoleSession] = [:]
    /// Open live streams per session id.
    private var liveStreams: [String: Int] = [:]

    init(lifetime: Duration, now: @escaping @Sendable () -> Date = Date.init) {
        self.lifetime = lifetime.timeInterval
        self.now = now
    }

    /// A new sign-in: its state, PKCE pair and nonce, and the sealed cookie that carries it.
    nonisolated func begin(returnPath: String) -> (pending: PendingSignIn, challenge: String, cookie: String) {
        let (verifier, challenge) = AuthorizationCodeRedemption.pkce()
        let sign = PendingSignIn(state: Self.randomToken(), verifier: verifier, nonce: Self.randomToken(), returnPath: returnPath, startedAt: now())
        return (sign, challenge, seal.seal(sign))
    }

    /// The sign-in `cookie` carries, when it is this daemon's, names `state`, is at most ten
    /// minutes old and has not been completed; otherwise `nil`.
    func pending(cookie: String, state: String) -> PendingSignIn? {
        guard let sign = seal.open(cookie), ConstantTime.equals(sign.state, state), completed[sign.state] == nil else { return nil }
        return now().timeIntervalSince(sign.startedAt) <= Self.pendingLifetime ? sign : nil
    }

    /// Marks `pending` completed: its cookie cannot complete another sign-in.
    func complete(_ pending: PendingSignIn) {
        let cutoff = now().addingTimeInterval(-Self.pendingLifetime)
        if completed.count >= 1_000 { completed = completed.filter { $0.value > cutoff } }
        completed[pending.state] = pending.startedAt
    }

    /// A session for `viewer`, with a fresh id and CSRF token.
    func open(for viewer: ConsoleViewer) -> ConsoleSession {
        let session = ConsoleSession(
            id: Self.randomToken(), viewer: viewer, csrfToken: Self.randomToken(), expiresAt: now().addingTimeInterval(lifetime))
        if sessions.count >= Self.maximumSessions {
            sessions = sessions.filter { $0.value.expiresAt > now() }
            if sessions.count >= Self.maximumSessions, let oldest = sessions.values.min(by: { $0.expiresAt < $1.expiresAt }) {
                sessions[oldest.id] = nil
            }
        }
        sessions[session.id] = session
        return session
    }

    /// The live session with this id, or `nil` (unknown, forged or expired).
    func session(id: String) -> ConsoleSession? {
        guard let session = sessions[id] else { return nil }
        guard session.expiresAt > now() else {
            sessions[id] = nil
            return nil
        }
        return session
    }

    func close(id: String) {
        sessions[id] = nil
    }

    /// Whether session `id` may open another live stream now.
    func mayOpenLiveStream(for id: String) -> Bool {
        liveStreams[id, default: 0] < Self.maximumLiveStreams
    }

    /// Takes one of session `id`'s live-stream places; `false` when all are taken.
    func openLiveStream(for id: String) -> Bool {
        guard mayOpenLiveStream(for: id) else { return false }
        liveStreams[id, default: 0] += 1
        return true
    }

    /// Gives back a place ``openLiveStream(for:)`` took.
    func closeLiveStream(for id: String) {
        let left = liveStreams[id, default: 1] - 1
        liveStreams[id] = left > 0 ? left : nil
    }

    /// 256 random bits, base64url: unguessable, and valid in a cookie and a URL.
    static func randomToken() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}
