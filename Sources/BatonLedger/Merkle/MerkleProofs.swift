/// Where proofs read the tree from: the root of a complete subtree — 2^level leaves
/// starting at leaf `index × 2^level` (level 0: the leaf hashes).
public protocol MerkleNodeSource: Sendable {
    func hash(level: Int, index: Int64) async throws -> [UInt8]
}

/// Inclusion and consistency proofs of an RFC 6962 Merkle tree (RFC 9162 §2.1.3 and
/// §2.1.4): built from any ``MerkleNodeSource``, checked by pure functions an auditor
/// can run with nothing but the proof, the leaf and a signed root.
public enum MerkleProofs {
    // MARK: - Building

    /// The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 `PATH`).
    public static func inclusion(of index: Int64, size: Int64, in source: some MerkleNodeSource) async throws -> [[UInt8]] {
        guard (0..<size).contains(index) else { throw LedgerError.readFailed("leaf \(index) is not in a tree of \(size) leaves") }
        return try await path(index, start: 0, size: size, source)
    }

    /// The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves (RFC 9162 `PROOF`).
    public static func consistency(from old: Int64, to new: Int64, in source: some MerkleNodeSource) async throws -> [[UInt8]] {
        guard 0 < old, old <= new else { throw LedgerError.readFailed("no consistency proof from \(old) leaves to \(new)") }
        return try await subproof(old, start: 0, size: new, complete: true, source)
    }

    /// The root of leaves `start..<start + size` (RFC 9162 `MTH`), from complete subtrees.
    public static func root(start: Int64, size: Int64, in source: some MerkleNodeSource) async throws -> [UInt8] {
        guard size > 0 else { return MerkleHash.empty }
        if size & (size - 1) == 0, start % size == 0 {
            return try await source.hash(level: size.trailingZeroBitCount, index: start / size)
        }
        let k = MerkleHash.split(size)
        return MerkleHash.node(try await root(start: start, size: k, in: source), try await root(start: start + k, size: size - k, in: source))
    }

    private static func path(_ index: Int64, start: Int64, size: Int64, _ source: some MerkleNodeSource) async throws -> [[UInt8]] {
        guard size > 1 else { return [] }
        let k = MerkleHash.split(size)
        if index < k {
            return try await path(index, start: start, size: k, source) + [root(start: start + k, size: size - k, in: source)]
        }
        return try await path(index - k, start: start + k, size: size - k, source) + [root(start: start, size: k, in: source)]
    }

    private static func subproof(_ m: Int64, start: Int64, size: Int64, complete: Bool, _ source: some MerkleNodeSource) async throws -> [[UInt8]] {
        if m == size { return complete ? [] : [try await root(start: start, size: size, in: source)] }
        let k = MerkleHash.split(size)
        if m <= k {
            return try await subproof(m, start: start, size: k, complete: complete, source) + [root(start: start + k, size: size - k, in: source)]
        }
        return try await subproof(m - k, start: start + k, size: size - k, complete: false, source) + [root(start: start, size: k, in: source)]
    }

    // MARK: - Checking

    /// Whether `proof` shows the leaf with hash `leaf` at `index` in the tree of `size`
    /// leaves whose root is `root` (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(leaf: [UInt8], index: Int64, size: Int64, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard (0..<size).contains(index) else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Whether `proof` shows the tree of `old` leaves with root `oldRoot` to be a prefix of
    /// the tree of `new` leaves with root `newRoot` (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(old: Int64, new: Int64, oldRoot: [UInt8], newRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard 0 < old, old <= new else { return false }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        // When the old tree is a complete subtree, its root begins the path.
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard let first = path.first else { return false }
        var fn = old - 1
        var sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first
        var sr = first
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }
}
