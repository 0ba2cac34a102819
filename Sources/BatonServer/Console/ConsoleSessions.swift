import BatonCore
import BatonIdentity
internal import Crypto
import Foundation

/// The console's sessions and pending sign-ins, in this daemon's memory.
///
/// Both are bounded: a pending sign-in lasts ten minutes, a session its configured
/// lifetime, and the oldest are dropped first when either table is full, so a flood of
/// sign-in attempts costs memory in proportion to nothing.
actor ConsoleSessions {
    static let pendingLifetime: TimeInterval = 600
    static let maximumPending = 10_000
    static let maximumSessions = 100_000

    private let lifetime: TimeInterval
    private let now: @Sendable () -> Date
    private var pending: [String: PendingSignIn] = [:]
    private var sessions: [String: ConsoleSession] = [:]

    init(lifetime: Duration, now: @escaping @Sendable () -> Date = Date.init) {
        self.lifetime = lifetime.timeInterval
        self.now = now
    }

    /// A new sign-in: its state, PKCE pair and nonce.
    func begin(returnPath: String) -> (pending: PendingSignIn, challenge: String) {
        let (verifier, challenge) = AuthorizationCodeRedemption.pkce()
        let sign = PendingSignIn(state: Self.randomToken(), verifier: verifier, nonce: Self.randomToken(), returnPath: returnPath, startedAt: now())
        sweepPending()
        if pending.count >= Self.maximumPending, let oldest = pending.values.min(by: { $0.startedAt < $1.startedAt }) {
            pending[oldest.state] = nil
        }
        pending[sign.state] = sign
        return (sign, challenge)
    }

    /// The pending sign-in `state` names, removed so it cannot be used twice; `nil` when
    /// unknown or older than ten minutes.
    func finish(state: String) -> PendingSignIn? {
        guard let sign = pending.removeValue(forKey: state) else { return nil }
        return now().timeIntervalSince(sign.startedAt) <= Self.pendingLifetime ? sign : nil
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

    private func sweepPending() {
        let cutoff = now().addingTimeInterval(-Self.pendingLifetime)
        if pending.count > 1_000 { pending = pending.filter { $0.value.startedAt > cutoff } }
    }

    /// 256 random bits, base64url: unguessable, and valid in a cookie and a URL.
    static func randomToken() -> String {
        Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}
