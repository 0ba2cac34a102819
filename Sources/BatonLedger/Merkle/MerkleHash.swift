import Crypto
import Foundation

/// The hashes of an RFC 6962 Merkle tree (§2.1; RFC 9162 §2.1.1), over SHA-256: a leaf
/// is `SHA-256(0x00 ‖ data)`, an inner node `SHA-256(0x01 ‖ left ‖ right)`, and the empty
/// tree `SHA-256("")`. The prefixes keep a leaf from passing for a node.
public enum MerkleHash {
    /// The hash of a leaf whose data is `data` (for the ledger: an entry's record).
    public static func leaf(_ data: some DataProtocol) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    /// The hash of an inner node.
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// Bytes in a hash.
    public static let size = 32

    /// The root of the empty tree.
    public static let empty: [UInt8] = Array(SHA256.hash(data: [UInt8]()))

    /// The largest power of two smaller than `n` (for n ≥ 2): where RFC 6962 splits a tree of `n` leaves.
    static func split(_ n: Int64) -> Int64 {
        precondition(n >= 2, "a tree of \(n) leaves does not split")
        return Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}
