import BatonCore
import Foundation

/// The ledger as a C2SP tlog-tiles log: its latest signed checkpoint, its hash tiles and,
/// when ``LedgerPublication/entries``, its entry bundles — read-only, and the same bytes
/// whether the daemon serves them or `baton audit export-tiles` writes them for any
/// static file server.
///
/// A full tile never changes; a partial tile `.p/W` is a prefix of every later state of
/// its tile, so any W up to what is stored is served, and it never changes either. Hash
/// tiles served are cached in memory.
public struct TransparencyLog: Sendable {
    public let records: any LedgerRecordSource
    public let publication: LedgerPublication
    private let cache: TileCache

    /// - Parameter cachedTiles: hash tiles kept in memory (8 KiB each at most).
    public init(records: any LedgerRecordSource, publication: LedgerPublication, cachedTiles: Int = 4_096) {
        self.records = records
        self.publication = publication
        self.cache = TileCache(capacity: cachedTiles)
    }

    /// The latest checkpoint with a signed note; `nil` before the first one.
    public func checkpoint() async throws -> StoredCheckpoint? {
        try await records.latestNotedCheckpoint()
    }

    /// Proof bundles for the entries numbered `sequences`, under the latest checkpoint.
    ///
    /// - Throws: ``LedgerError/notCovered(sequence:checkpoint:)`` for an entry after it (a
    ///   checkpoint is signed every `storage.checkpoint_interval`), or one that does not exist.
    public func prove(_ sequences: [Int64]) async throws -> [ProofBundle] {
        guard let checkpoint = try await checkpoint(), let note = checkpoint.note else {
            throw LedgerError.notCovered(sequence: sequences.min() ?? 1, checkpoint: 0)
        }
        let size = checkpoint.sequence
        if let beyond = sequences.first(where: { !(1...size).contains($0) }) { throw LedgerError.notCovered(sequence: beyond, checkpoint: size) }
        let recordBytes = try await records.records(at: sequences) { cursor in
            var found: [Int64: [UInt8]] = [:]
            while let stored = try cursor.next() { found[stored.sequence] = Array(stored.record) }
            return found
        }
        let hashes = TileHashes(
            read: { [self] level, index in
                let key = TileKey(level: level, index: index)
                return try await tiles(at: [key])[key]
            },
            readMany: { [self] keys in try await tiles(at: keys) })
        var bundles: [ProofBundle] = []
        for sequence in sequences {
            guard let record = recordBytes[sequence] else { throw LedgerError.readFailed("ledger entry \(sequence) is missing") }
            try await hashes.prefetch(inclusionOf: sequence - 1, size: size)
            let proof = try await MerkleProofs.inclusion(of: sequence - 1, size: size, in: hashes)
            bundles.append(ProofBundle(record: record, index: sequence - 1, proof: proof, checkpointNote: note))
        }
        return bundles
    }

    /// The published bytes of `tile`; `nil` when it is not published: beyond the tree, a
    /// full tile not yet full, or entries while only hashes are published.
    public func contents(of tile: TileID) async throws -> [UInt8]? {
        if let cached = cache[tile] { return cached }
        let contents: [UInt8]?
        if let level = tile.level {
            contents = try await hashes(level: level, index: tile.index, width: tile.width)
        } else {
            contents = publication == .entries ? try await entryBundle(index: tile.index, width: tile.width) : nil
        }
        // Hash tiles (at most 8 KiB), full or partial, never change once served; entry
        // bundles are larger and rarely hot, so they are not kept.
        if let contents, tile.level != nil { cache[tile] = contents }
        return contents
    }

    /// Stored hash tiles as they are now, in one read for those not cached.
    private func tiles(at keys: [TileKey]) async throws -> [TileKey: [UInt8]] {
        var found: [TileKey: [UInt8]] = [:]
        var missing: [TileKey] = []
        for key in keys {
            if let cached = cache[TileID(level: key.level, index: key.index)] { found[key] = cached } else { missing.append(key) }
        }
        for (key, stored) in try await records.tiles(at: missing) {
            found[key] = stored
            if stored.count == TileID.width * MerkleHash.size { cache[TileID(level: key.level, index: key.index)] = stored }
        }
        return found
    }

    private func hashes(level: Int, index: Int64, width: Int) async throws -> [UInt8]? {
        guard let stored = try await records.tile(level: level, index: index), stored.count >= width * MerkleHash.size else { return nil }
        return Array(stored.prefix(width * MerkleHash.size))
    }

    /// Entries `index × 256 ..< index × 256 + width`, each as a big-endian 16-bit length and its record.
    private func entryBundle(index: Int64, width: Int) async throws -> [UInt8]? {
        let first = index * Int64(TileID.width) + 1
        let last = first + Int64(width) - 1
        guard try await records.treeSize() >= last else { return nil }
        return try await records.records(from: first, through: last, limit: width) { cursor in
            var bundle: [UInt8] = []
            var count = 0
            while let stored = try cursor.next() {
                guard stored.sequence == first + Int64(count), stored.record.count <= Int(UInt16.max) else {
                    throw LedgerError.readFailed("ledger entry \(first + Int64(count)) cannot be published")
                }
                bundle += [UInt8(stored.record.count >> 8), UInt8(stored.record.count & 0xFF)]
                bundle += stored.record
                count += 1
            }
            guard count == width else { throw LedgerError.readFailed("ledger entry \(first + Int64(count)) is missing") }
            return bundle
        }
    }
}
