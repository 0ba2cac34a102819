/// The ledger's Merkle tree as the writer grows it: the frontier, for the root, and the
/// rightmost tile of each level, for storing. An append adds one leaf hash and, on
/// average, touches one tile; ``takeChanged()`` hands the writer the tiles to store with
/// the batch that changed them.
struct TreeTiles: Sendable {
    private(set) var frontier = TreeFrontier()
    /// The hashes of the rightmost tile of each level, while it is not full.
    private var edges: [[UInt8]] = []
    /// Tiles filled since the last ``takeChanged()``.
    private var filled: [StoredTile] = []
    /// Levels whose rightmost tile grew since the last ``takeChanged()``.
    private var grown: Set<Int> = []

    init() {}

    /// The tree of `size` leaves whose tiles `read` returns (as a store keeps them).
    init(size: Int64, read: @escaping @Sendable (Int, Int64) async throws -> [UInt8]?) async throws {
        guard size > 0 else { return }
        let hashes = TileHashes(read: read)
        var subtrees: [[UInt8]] = []
        for level in (0..<64).reversed() where (size >> Int64(level)) & 1 == 1 {
            subtrees.append(try await hashes.hash(level: level, index: (size >> Int64(level)) - 1))
        }
        frontier = try TreeFrontier(size: size, subtrees: subtrees)
        var level = 0
        while size >> Int64(TileID.height * level) > 0 {
            let (full, partial) = TileID.count(level: level, treeSize: size)
            var edge: [UInt8] = []
            if partial > 0 {
                guard let stored = try await read(level, full), stored.count >= partial * MerkleHash.size else {
                    throw LedgerError.readFailed("the ledger's tile \(TileID(level: level, index: full, width: partial)) is missing")
                }
                edge = Array(stored.prefix(partial * MerkleHash.size))
            }
            edges.append(edge)
            level += 1
        }
    }

    var size: Int64 { frontier.size }
    var root: [UInt8] { frontier.root }

    /// Adds the leaf hash of the next entry.
    mutating func append(leaf: [UInt8]) {
        for (level, index, hash) in frontier.append(leaf) where level % TileID.height == 0 {
            let tileLevel = level / TileID.height
            if edges.count == tileLevel { edges.append([]) }
            edges[tileLevel] += hash
            if edges[tileLevel].count == TileID.width * MerkleHash.size {
                filled.append(StoredTile(level: tileLevel, index: index / Int64(TileID.width), hashes: edges[tileLevel]))
                edges[tileLevel].removeAll(keepingCapacity: true)
                grown.remove(tileLevel)
            } else {
                grown.insert(tileLevel)
            }
        }
    }

    /// The tiles changed since the last call: each filled one, then each rightmost tile that grew.
    mutating func takeChanged() -> [StoredTile] {
        var tiles = filled
        for level in grown.sorted() {
            tiles.append(StoredTile(level: level, index: TileID.count(level: level, treeSize: size).full, hashes: edges[level]))
        }
        filled.removeAll()
        grown.removeAll()
        return tiles
    }
}
