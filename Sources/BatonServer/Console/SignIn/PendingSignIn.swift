import BatonCore
import Foundation

/// A sign-in sent to the issuer and not yet come back: the PKCE verifier, the OpenID
/// Connect nonce and the console page to return to, found again by the `state` the
/// issuer echoes. Used once.
struct PendingSignIn: Sendable {
    let state: String
    let verifier: Secret
    let nonce: String
    let returnPath: String
    let startedAt: Date
}
