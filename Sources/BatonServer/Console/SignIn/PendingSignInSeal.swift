import BatonCore
import BatonVault
internal import Crypto
import Foundation

/// Seals a ``PendingSignIn`` into the sign-in cookie of the browser that started it
/// (the vault's ``Envelope``, AES-256-GCM, under a key this process draws at start), and
/// opens it on the way back.
///
/// Nothing of a sign-in is kept in memory until it succeeds, so anyone may start as many
/// as they like without costing the daemon memory or pushing out someone else's; the PKCE
/// verifier stays confidential and the cookie cannot be forged or altered.
struct PendingSignInSeal: Sendable {
    private let key = SymmetricKey(size: .bits256)
    /// Binds a sealed box to its use: a box sealed for anything else does not open here.
    private static let purpose = Data("baton console sign-in".utf8)

    /// `pending` as a cookie value (base64url).
    func seal(_ pending: PendingSignIn) -> String {
        let plaintext = (try? JSONSerialization.data(withJSONObject: pending.sealable)) ?? Data()
        guard let sealed = try? Envelope.seal(plaintext, key: key, associatedData: Self.purpose) else { return "" }
        return Base64URL.encode(sealed)
    }

    /// The sign-in `cookie` holds, or `nil` when it was not sealed by this process, was
    /// altered, or is not a sign-in.
    func open(_ cookie: String) -> PendingSignIn? {
        guard cookie.count <= 4_096, let sealed = Base64URL.decode(cookie),
            let plaintext = try? Envelope.open(sealed, key: key, associatedData: Self.purpose),
            let fields = try? JSONSerialization.jsonObject(with: plaintext) as? [String: Any]
        else { return nil }
        return PendingSignIn(sealed: fields)
    }
}
