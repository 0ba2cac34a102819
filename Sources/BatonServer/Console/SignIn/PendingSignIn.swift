import BatonCore
import Foundation

/// A sign-in sent to the issuer and not yet come back: the PKCE verifier, the OpenID
/// Connect nonce and the console page to return to, found again by the `state` the
/// issuer echoes. It lives in the browser that started it, sealed (``PendingSignInSeal``),
/// never in the daemon's memory. Used once.
struct PendingSignIn: Sendable, Equatable {
    let state: String
    let verifier: Secret
    let nonce: String
    let returnPath: String
    let startedAt: Date

    /// Its fields as a JSON object, the verifier included: only ever sealed.
    var sealable: [String: Any] {
        ["s": state, "v": verifier.revealed, "n": nonce, "r": returnPath, "t": startedAt.timeIntervalSince1970]
    }
}

extension PendingSignIn {
    /// The sign-in a sealed cookie held, or `nil` when a field is missing or mistyped.
    init?(sealed fields: [String: Any]) {
        guard let state = fields["s"] as? String, let verifier = fields["v"] as? String, let nonce = fields["n"] as? String,
            let returnPath = fields["r"] as? String, let started = fields["t"] as? Double
        else { return nil }
        self.init(
            state: state, verifier: Secret(verifier), nonce: nonce, returnPath: returnPath, startedAt: Date(timeIntervalSince1970: started))
    }
}
