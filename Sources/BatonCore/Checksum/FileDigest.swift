import Crypto
import Foundation

/// The SHA-256 of a file, in hex: what a backup manifest and a reload's ledger entry record.
public enum FileDigest {
    /// `nil` when the file cannot be read.
    public static func sha256(of path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Hex.encode(Array(SHA256.hash(data: data)))
    }
}
