/// The hashes of the ledger's Merkle tree read from its stored tiles: any complete
/// subtree's root, from the tile whose level is at or below it (at most 128 hashes
/// folded). Tiles read are kept for the life of the value, so one proof reads each once.
public actor TileHashes: MerkleNodeSource {
    private let read: @Sendable (Int, Int64) async throws -> [UInt8]?
    private let readMany: (@Sendable ([TileKey]) async throws -> [TileKey: [UInt8]])?
    private var cache: [TileKey: [UInt8]] = [:]

    /// Hashes from the tiles `read(level, index)` returns.
    public init(
        read: @escaping @Sendable (Int, Int64) async throws -> [UInt8]?,
        readMany: (@Sendable ([TileKey]) async throws -> [TileKey: [UInt8]])? = nil
    ) {
        self.read = read
        self.readMany = readMany
    }

    /// Hashes from `records`' tiles.
    public init(records: any LedgerRecordSource) {
        self.init(read: { try await records.tile(level: $0, index: $1) }, readMany: { try await records.tiles(at: $0) })
    }

    /// Reads, in one go, the tiles an inclusion proof of leaf `index` in a tree of `size`
    /// leaves mostly needs: at each tile level, the tile above the leaf and the right edge.
    public func prefetch(inclusionOf index: Int64, size: Int64) async throws {
        guard let readMany, size > 0 else { return }
        var keys: [TileKey] = []
        var level = 0
        while (size - 1) >> Int64(TileID.height * level) > 0 || level == 0 {
            let shift = Int64(TileID.height * (level + 1))
            for tile in [index >> shift, (size - 1) >> shift, max((size >> Int64(TileID.height * level)) - 1, 0) >> Int64(TileID.height)] {
                let key = TileKey(level: level, index: tile)
                if cache[key] == nil, !keys.contains(key) { keys.append(key) }
            }
            level += 1
        }
        for (key, tile) in try await readMany(keys) { cache[key] = tile }
    }

    public func hash(level: Int, index: Int64) async throws -> [UInt8] {
        let tileLevel = level / TileID.height
        let height = level % TileID.height
        let first = index << Int64(height)
        let count = 1 << height
        let tileIndex = first / Int64(TileID.width)
        let offset = Int(first % Int64(TileID.width)) * MerkleHash.size
        let tile = try await self.tile(level: tileLevel, index: tileIndex)
        guard tile.count >= offset + count * MerkleHash.size else {
            throw LedgerError.readFailed("the ledger's tile \(TileID(level: tileLevel, index: tileIndex)) lacks tree level \(level) node \(index)")
        }
        return MerkleHash.root(ofConcatenated: tile[offset..<offset + count * MerkleHash.size])
    }

    private func tile(level: Int, index: Int64) async throws -> [UInt8] {
        let key = TileKey(level: level, index: index)
        if let cached = cache[key] { return cached }
        guard let tile = try await read(level, index) else {
            throw LedgerError.readFailed("the ledger's tile \(TileID(level: level, index: index)) is missing")
        }
        cache[key] = tile
        return tile
    }
}
