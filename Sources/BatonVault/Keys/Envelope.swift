import Crypto
import Foundation

/// AES-256-GCM sealing with a format byte, a random 96-bit nonce and associated data.
///
/// Layout: `0x01 || nonce (12) || ciphertext || tag (16)`. The associated data binds a
/// sealed value to where it belongs (an entry key, a user), so moving it elsewhere makes
/// it fail to open. The vault seals tokens with it; the audit console seals a sign-in in
/// flight into its browser's cookie.
public enum Envelope {
    static let version: UInt8 = 1

    public static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, associatedData: some DataProtocol) throws -> Data {
        let box = try AES.GCM.seal(Data(plaintext), using: key, nonce: AES.GCM.Nonce(), authenticating: Data(associatedData))
        guard let combined = box.combined else { throw VaultError.unsealFailed("AES-GCM produced no combined form") }
        return Data([version]) + combined
    }

    public static func open(_ sealed: Data, key: SymmetricKey, associatedData: some DataProtocol) throws(VaultError) -> Data {
        guard sealed.first == version, sealed.count > 1 + 12 + 16 else { throw .unsealFailed("unknown format") }
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.dropFirst()), using: key, authenticating: Data(associatedData))
        } catch {
            throw .unsealFailed("authentication failed")
        }
    }
}
