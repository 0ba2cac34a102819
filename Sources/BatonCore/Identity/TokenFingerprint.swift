import Crypto
import Foundation

/// A keyed fingerprint of a token: HMAC-SHA256 under a daemon secret, hex, truncated.
///
/// Lets logs and the ledger say "the same token as before" without storing anything from
/// which the token could be recovered or replayed; without the key it cannot even be
/// checked against a guessed token.
public struct TokenFingerprint: Sendable, Hashable, Codable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) {
        self.hex = hex
    }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        hex = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// Computes ``TokenFingerprint``s under one key.
public struct TokenFingerprinter: Sendable {
    private let key: SymmetricKey

    /// - Parameter key: at least 32 random bytes, kept secret (the daemon keeps it in its data directory).
    public init(key: SymmetricKey) {
        precondition(key.bitCount >= 256, "a fingerprint key needs at least 256 bits")
        self.key = key
    }

    /// The first 128 bits of HMAC-SHA256(key, token), hex.
    public func fingerprint(of token: String) -> TokenFingerprint {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key)
        return TokenFingerprint(hex: Hex.encode(Array(mac).prefix(16)))
    }
}
