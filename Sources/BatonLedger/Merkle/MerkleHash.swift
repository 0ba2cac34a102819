import Foundation

/// The hashes of an RFC 6962 Merkle tree (§2.1; RFC 9162 §2.1.1), over SHA-256: a leaf
/// is `SHA-256(0x00 ‖ data)`, an inner node `SHA-256(0x01 ‖ left ‖ right)`, and the empty
/// tree `SHA-256("")`. The prefixes keep a leaf from passing for a node.
public enum MerkleHash {
    /// The hash of a leaf whose data is `data` (for the ledger: an entry's record).
    public static func leaf(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = leafHasher(data)
        return hasher.finalize()
    }

    private static func leafHasher(_ data: UnsafeRawBufferPointer) -> SHA256Stream {
        var hasher = SHA256Stream()
        hasher.update(byte: 0x00)
        hasher.update(data)
        return hasher
    }

    /// Whether the leaf hash of `data` is the 32 bytes at `expected` — without allocating
    /// (verification checks every entry's leaf).
    static func leaf(_ data: UnsafeRawBufferPointer, matches expected: UnsafeRawBufferPointer) -> Bool {
        var hasher = leafHasher(data)
        return withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { digest in
            hasher.finalize(into: digest.baseAddress!)
            return expected.count == size && memcmp(digest.baseAddress!, expected.baseAddress!, size) == 0
        }
    }

    /// Writes the hash of the inner node whose children's hashes are at `left` and `right` to `output`.
    static func node(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        var hasher = nodeHasher(left, right)
        hasher.finalize(into: output)
    }

    private static func nodeHasher(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> SHA256Stream {
        var hasher = SHA256Stream()
        hasher.update(byte: 0x01)
        hasher.update(left)
        hasher.update(right)
        return hasher
    }

    /// The hash of a leaf whose data is `data`.
    public static func leaf(_ data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { leaf($0) }
    }

    /// The hash of a leaf whose data is `data`.
    public static func leaf(_ data: Data) -> [UInt8] {
        data.withUnsafeBytes { leaf($0) }
    }

    /// The hash of an inner node.
    public static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        left.withUnsafeBytes { left in right.withUnsafeBytes { right in node(left, right) } }
    }

    /// The hash of an inner node whose children's hashes are at `left` and `right`.
    static func node(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = nodeHasher(left, right)
        return hasher.finalize()
    }

    /// The root of the complete subtree whose leaf-side hashes (a power of two of them,
    /// 32 bytes each) are concatenated in `hashes` — a full tile's, or part of one —
    /// folded in place.
    static func root(ofConcatenated hashes: some Collection<UInt8>) -> [UInt8] {
        var level = Array(hashes)
        var count = level.count / size
        precondition(count > 0 && count & (count - 1) == 0, "\(count) hashes are not a complete subtree")
        level.withUnsafeMutableBytes { buffer in
            while count > 1 {
                for pair in 0..<count / 2 {
                    node(
                        UnsafeRawBufferPointer(rebasing: buffer[pair * 2 * size..<(pair * 2 + 1) * size]),
                        UnsafeRawBufferPointer(rebasing: buffer[(pair * 2 + 1) * size..<(pair * 2 + 2) * size]),
                        into: buffer.baseAddress!.advanced(by: pair * size))
                }
                count /= 2
            }
        }
        return Array(level.prefix(size))
    }

    /// Bytes in a hash.
    public static let size = 32

    /// The root of the empty tree.
    public static let empty: [UInt8] = {
        var hasher = SHA256Stream()
        return hasher.finalize()
    }()

    /// The largest power of two smaller than `n` (for n ≥ 2): where RFC 6962 splits a tree of `n` leaves.
    static func split(_ n: Int64) -> Int64 {
        precondition(n >= 2, "a tree of \(n) leaves does not split")
        return Int64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}
