import BatonCore
import BatonIdentity
import Crypto
import Foundation

/// The PKCE code challenge of an authorization request (RFC 7636): its code is redeemed
/// only with the verifier the challenge was derived from, so a code intercepted on its way
/// back to a native app is worth nothing to whoever lacks the verifier the app kept.
struct PKCEChallenge: Sendable, Equatable {
    /// `code_challenge_method`: Entra accepts both; `plain` when the parameter is absent (RFC 7636 §4.3).
    enum Method: String, Sendable {
        case s256 = "S256"
        case plain
    }

    let challenge: String
    let method: Method

    /// Entra's checks on the parameters: the challenge is required here (the dev IdP insists on
    /// PKCE); the method must be known (50149) and the challenge the right size (501491).
    init(challenge: String?, method: String?) throws(EntraError) {
        guard let challenge else { throw .codeChallengeRequired }
        let methodName = method ?? Method.plain.rawValue
        guard let method = Method(rawValue: methodName) else { throw .invalidCodeChallengeMethod(methodName) }
        // An S256 challenge is exactly 43 characters; insisting on it catches the common
        // mistake of hex-encoding the hash (64 characters), which no verifier would ever match.
        let sizes = method == .s256 ? 43...43 : 43...128
        guard sizes.contains(challenge.utf8.count), challenge.utf8.allSatisfy(Self.isVerifierByte) else {
            throw .invalidCodeChallengeSize(method)
        }
        self.challenge = challenge
        self.method = method
    }

    /// Whether `verifier` is the one this challenge was derived from (RFC 7636 §4.6).
    func isVerified(by verifier: String) -> Bool {
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(Self.isVerifierByte) else { return false }
        let derived =
            switch method {
            case .s256: Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8))))
            case .plain: verifier
            }
        return DevIdentityProvider.constantTimeEquals(derived, challenge)
    }

    /// RFC 7636 §4.1: a verifier (and so a plain challenge) uses the unreserved characters `A-Z a-z 0-9 - . _ ~`.
    private static func isVerifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
