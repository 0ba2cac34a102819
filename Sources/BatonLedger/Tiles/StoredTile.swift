/// A tile's hashes as a store keeps them: up to 256 hashes of 32 bytes, concatenated. A
/// store keeps one row per tile and replaces it as the rightmost tile of a level grows.
public struct StoredTile: Sendable, Equatable {
    /// The tile level (tree level 8 × `level`).
    public let level: Int
    public let index: Int64
    public let hashes: [UInt8]

    public init(level: Int, index: Int64, hashes: [UInt8]) {
        self.level = level
        self.index = index
        self.hashes = hashes
    }

    /// Hashes held.
    public var width: Int { hashes.count / MerkleHash.size }
}
