/// The right edge of an RFC 6962 Merkle tree as it grows: the roots of its complete
/// subtrees, largest first — O(log n) hashes, enough to append a leaf and to compute the
/// root of the tree so far.
///
/// Appending returns the hashes of every subtree the leaf completes, as `(level, index)`
/// — the subtree of 2^level leaves starting at leaf `index × 2^level` — which is what
/// tlog-tiles stores and what proofs are built from (``MerkleNodeSource``).
///
/// ```swift
/// var frontier = TreeFrontier()
/// let completed = frontier.append(MerkleHash.leaf(record))   // [(0, n, leaf), (1, n/2, …), …]
/// let root = frontier.root
/// ```
public struct TreeFrontier: Sendable, Equatable {
    /// Leaves appended.
    public private(set) var size: Int64 = 0
    /// Roots of the complete subtrees covering leaves 0..<size, largest first.
    public private(set) var subtrees: [[UInt8]] = []

    public init() {}

    /// A frontier restored from stored subtree roots (largest first) of a tree of `size` leaves.
    public init(size: Int64, subtrees: [[UInt8]]) throws(LedgerError) {
        guard size >= 0, subtrees.count == size.nonzeroBitCount else {
            throw .malformedEvidence("a tree of \(size) leaves has \(size.nonzeroBitCount) complete subtrees, not \(subtrees.count)")
        }
        self.size = size
        self.subtrees = subtrees
    }

    /// Appends a leaf hash; returns every subtree it completes, smallest first.
    @discardableResult
    public mutating func append(_ leafHash: [UInt8]) -> [(level: Int, index: Int64, hash: [UInt8])] {
        var completed: [(level: Int, index: Int64, hash: [UInt8])] = [(0, size, leafHash)]
        var hash = leafHash
        var level = 0
        // Each trailing 1 bit of the old size is a subtree of the same size to merge with.
        while (size >> Int64(level)) & 1 == 1 {
            hash = MerkleHash.node(subtrees.removeLast(), hash)
            level += 1
            completed.append((level, size >> Int64(level), hash))
        }
        subtrees.append(hash)
        size += 1
        return completed
    }

    /// The root of the tree of ``size`` leaves.
    public var root: [UInt8] {
        guard var hash = subtrees.last else { return MerkleHash.empty }
        for subtree in subtrees.dropLast().reversed() { hash = MerkleHash.node(subtree, hash) }
        return hash
    }
}
