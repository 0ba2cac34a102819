import BatonIdentity
import Foundation
internal import X509
import _CryptoExtras

/// The identity provider's token-signing keys: one signs, all are published.
///
/// Like Entra, each key is an RSA-2048 key with a self-signed certificate; `kid` and `x5t`
/// are the certificate's SHA-1 thumbprint. Rotation publishes a new key and signs with
/// it while the old one stays in the JWKS, so tokens it signed still verify.
struct SigningKeyRing: Sendable {
    struct Entry: Sendable {
        let kid: String
        let key: _RSA.Signing.PrivateKey
        let certificateDER: [UInt8]
    }

    private(set) var entries: [Entry]
    private(set) var activeIndex: Int

    init() throws {
        entries = [try Self.makeEntry()]
        activeIndex = 0
    }

    var active: Entry { entries[activeIndex] }

    /// Publishes a fresh key and signs with it from now on.
    mutating func rotate() throws {
        entries.append(try Self.makeEntry())
        activeIndex = entries.count - 1
    }

    /// Ends a rotation: only the active key stays published, so tokens the others signed
    /// stop verifying once a verifier refreshes its key set.
    mutating func retireInactive() {
        entries = [active]
        activeIndex = 0
    }

    /// The JWKS document, each key carrying the issuer it signs for.
    func keySet(issuer: String) throws -> JSONWebKeySet {
        JSONWebKeySet(
            keys: try entries.map { entry in
                try JSONWebKey(
                    .rsa(entry.key.publicKey),
                    kid: entry.kid,
                    x5t: entry.kid,
                    x5c: [Data(entry.certificateDER).base64EncodedString()],
                    issuer: issuer
                )
            }
        )
    }

    private static func makeEntry() throws -> Entry {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificate = try Certificate.selfSigned(commonName: "accounts.baton.dev", key: key)
        let der = try certificate.derBytes()
        return Entry(kid: Thumbprint.sha1(der), key: key, certificateDER: der)
    }
}
