import BatonCore
import Crypto
import Foundation

/// An Ed25519 key of the C2SP signed-note format, as auditors pin it out of band:
/// `<name>+<key hash, 8 hex digits>+<base64 of 0x01 ‖ the 32-byte public key>` — or, for a
/// witness's key (C2SP tlog-cosignature), of 0x04 ‖ the key: its signatures carry a
/// timestamp and cover `cosignature/v1`, the time and the checkpoint.
///
/// The key hash is the first four bytes of SHA-256(name ‖ `\n` ‖ 0x01 ‖ public key); it
/// names the key on every signature line, so a verifier picks the right key without
/// trying them all. (The format Go's `golang.org/x/mod/sumdb/note` and every
/// tlog-witness read.)
public struct NoteVerifierKey: Sendable, Equatable, CustomStringConvertible {
    /// What a key's signatures are (the signature type byte).
    public enum Algorithm: UInt8, Sendable {
        /// Plain Ed25519 over the note's text: the log's own key.
        case ed25519 = 0x01
        /// A witness's timestamped Ed25519 cosignature (tlog-cosignature `cosignature/v1`).
        case cosignature = 0x04
    }

    public let name: String
    public let keyHash: UInt32
    public let publicKey: Curve25519.Signing.PublicKey
    public let algorithm: Algorithm

    public init(name: String, publicKey: Curve25519.Signing.PublicKey, algorithm: Algorithm = .ed25519) throws(LedgerError) {
        guard Self.isValidName(name) else { throw .malformedEvidence("'\(name)' cannot name a note key: no spaces, no '+', not empty") }
        self.name = name
        self.publicKey = publicKey
        self.algorithm = algorithm
        self.keyHash = Self.hash(name: name, key: [algorithm.rawValue] + publicKey.rawRepresentation)
    }

    /// Reads `<name>+<hash>+<base64 key>`; the hash must match the name and key.
    public init(parsing text: String) throws(LedgerError) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].count == 8, let hash = UInt32(parts[1], radix: 16),
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
            let key = Data(base64Encoded: String(parts[2])), key.count == 33, let algorithm = key.first.flatMap(Algorithm.init(rawValue:)),
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key.dropFirst())
        else { throw .malformedEvidence("not an Ed25519 note verifier key (<name>+<8 hex digits>+<base64 key>)") }
        try self.init(name: String(parts[0]), publicKey: publicKey, algorithm: algorithm)
        guard keyHash == hash else { throw .malformedEvidence("the verifier key's hash does not match its name and key") }
    }

    public static func == (left: NoteVerifierKey, right: NoteVerifierKey) -> Bool {
        left.name == right.name && left.keyHash == right.keyHash && left.algorithm == right.algorithm
            && left.publicKey.rawRepresentation == right.publicKey.rawRepresentation
    }

    public var description: String {
        "\(name)+\(String(format: "%08x", keyHash))+\(Data([algorithm.rawValue] + publicKey.rawRepresentation).base64EncodedString())"
    }

    /// The first four bytes of SHA-256(name ‖ `\n` ‖ key), big-endian.
    static func hash(name: String, key: [UInt8]) -> UInt32 {
        let digest = Array(SHA256.hash(data: Array(name.utf8) + [0x0A] + key))
        return digest.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Names are non-empty UTF-8 with no white space and no `+` (``NoteKeyName``).
    static func isValidName(_ name: String) -> Bool {
        NoteKeyName.isValid(name)
    }
}
