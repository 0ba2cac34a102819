import BatonCore
import BatonTestSupport
import Crypto
import Foundation
import GRDB
import Testing

@testable import BatonLedger

/// The Merkle tree the writer keeps beside the hash chain (issue 19): stored as tlog-tiles,
/// in the transaction of the records that change it, restored on reopen, built for a
/// ledger from before it, and committed to by every signed checkpoint.
@Suite("The ledger's Merkle tree, kept at append time as tiles, on SQLite and on PostgreSQL")
struct LedgerTreeTests {
    /// The leaf hash of every stored record, in order, computed from the records alone.
    static func leaves(_ fixture: LedgerFixture) async throws -> [[UInt8]] {
        try await fixture.records.records(from: 1, through: .max, limit: .max) { cursor in
            var leaves: [[UInt8]] = []
            while let stored = try cursor.next() { leaves.append(MerkleHash.leaf(stored.record)) }
            return leaves
        }
    }

    /// The tiles the leaves call for, computed from scratch with the RFC's definition.
    static func expectedTiles(_ leaves: [[UInt8]]) -> [String: [UInt8]] {
        var tiles: [String: [UInt8]] = [:]
        var level = [[UInt8]](leaves)
        var tileLevel = 0
        while !level.isEmpty {
            for (index, chunk) in stride(from: 0, to: level.count, by: 256).enumerated() {
                tiles["\(tileLevel)/\(index)"] = Array(level[chunk..<min(chunk + 256, level.count)].joined())
            }
            // The next tile level holds the roots of each complete run of 256.
            level = stride(from: 0, to: level.count - level.count % 256, by: 256).map {
                MerkleTreeTests.referenceRoot(level[$0..<$0 + 256])
            }
            tileLevel += 1
        }
        return tiles
    }

    static func storedTiles(_ fixture: LedgerFixture) async throws -> [String: [UInt8]] {
        let size = try await fixture.records.treeSize()
        var keys: [TileKey] = []
        var level = 0
        while size >> Int64(8 * level) > 0 || level == 0 {
            let (full, partial) = TileID.count(level: level, treeSize: size)
            keys += (0..<(full + (partial > 0 ? 1 : 0))).map { TileKey(level: level, index: $0) }
            level += 1
            if size == 0 { break }
        }
        // Beyond the tree's own tiles too: a stray row would show.
        keys += (0..<4).map { TileKey(level: level, index: $0) }
        return try await fixture.records.tiles(at: keys).reduce(into: [:]) { tiles, tile in
            tiles["\(tile.key.level)/\(tile.key.index)"] = tile.value
        }
    }

    @Test(
        "appends in batches of every size, across a reopen: each stored tile holds exactly the hashes the records give, the right edge is partial, and the signed checkpoint commits to the records' root",
        arguments: StorageEngine.allCases)
    func tilesFollowAppends(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        var writer = try await fixture.writer(checkpointEvery: 1_000_000)
        var next = 1
        for (round, size) in [1, 7, 300, 1, 255, 36].enumerated() {
            if round == 3 { writer = try await fixture.writer(checkpointEvery: 1_000_000) }
            try await writer.append(contentsOf: (next..<next + size).map { LedgerFixture.entry($0) })
            next += size
        }
        try await writer.checkpoint()
        let leaves = try await Self.leaves(fixture)
        #expect(leaves.count == 600)
        let stored = try await Self.storedTiles(fixture)
        #expect(stored == Self.expectedTiles(leaves))
        #expect(stored.keys.sorted() == ["0/0", "0/1", "0/2", "1/0"], "two full leaf tiles, a partial one of 88, and 2 hashes at level 8")
        #expect(stored["0/2"]?.count == 88 * 32 && stored["1/0"]?.count == 2 * 32)
        #expect(try await fixture.records.treeSize() == 600)

        let checkpoint = try #require(await writer.latestCheckpoint)
        let key = try NoteVerifierKey(name: writer.origin, publicKey: fixture.signer.publicKey)
        let body = try CheckpointNote(text: try SignedNote.open(try #require(checkpoint.note), verifiers: [key]).text)
        #expect(body.origin == LedgerWriter.defaultOrigin && body.size == 600)
        #expect(body.rootHash == MerkleTreeTests.referenceRoot(leaves[...]))
    }

    @Test("a ledger stored before it had a tree gets one when the writer opens, and then grows it as usual", arguments: StorageEngine.allCases)
    func buildsTreeForOlderLedger(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        _ = try await fixture.filled(520)
        try await fixture.execute(sqlite: "DELETE FROM ledger_tiles")
        let writer = try await fixture.writer()
        try await writer.append(LedgerFixture.entry(521))
        let leaves = try await Self.leaves(fixture)
        #expect(leaves.count == 521)
        #expect(try await Self.storedTiles(fixture) == Self.expectedTiles(leaves))
    }

    @Test("an edited leaf hash, or an edited hash in a tile above level 0, is found at the first entry beneath it; so is a tree cut short")
    func editedTiles() async throws {
        let fixture = try LedgerFixture()
        _ = try await fixture.filled(600, checkpointEvery: 1_000_000)
        #expect(try await fixture.verify(rangeSize: 100).isIntact)
        let flip: @Sendable (Int, Int64, Int) async throws -> Void = { level, index, hash in
            try await fixture.database.write { db in
                var bytes = Array(
                    try #require(
                        try Data.fetchOne(db, sql: "SELECT hashes FROM ledger_tiles WHERE level = ? AND idx = ?", arguments: [level, index])))
                bytes[hash * 32] ^= 0x01
                try db.execute(sql: "UPDATE ledger_tiles SET hashes = ? WHERE level = ? AND idx = ?", arguments: [Data(bytes), level, index])
            }
        }
        try await flip(0, 1, 44)  // entry 256 + 44 + 1
        #expect(try await fixture.verify(rangeSize: 1_000).problems.first == .treeMismatch(sequence: 301))
        // Checked in ranges, the tile's root (entries 257…512) may be found wrong first.
        let ranged = try #require(try await fixture.verify(rangeSize: 100).problems.first)
        #expect((257...301).contains(ranged.sequence) && ranged == .treeMismatch(sequence: ranged.sequence))
        try await flip(0, 1, 44)
        try await flip(1, 0, 1)  // the root of leaves 256..<512
        #expect(try await fixture.verify(rangeSize: 100).problems == [.treeMismatch(sequence: 257)])
        #expect(try await fixture.verify(rangeSize: 7).problems == [.treeMismatch(sequence: 257)])
        try await flip(1, 0, 1)
        try await fixture.database.write { db in
            try db.execute(sql: "UPDATE ledger_tiles SET hashes = substr(hashes, 1, 32 * 80) WHERE level = 0 AND idx = 2")
        }
        #expect(try await fixture.verify(rangeSize: 100).problems.first == .treeMismatch(sequence: 593))
    }

    @Test(
        "a tree longer than the ledger (entries cut after their tiles were written) stops the writer from opening", arguments: StorageEngine.allCases)
    func refusesTreeBeyondLedger(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        _ = try await fixture.filled(20)
        try await fixture.execute(sqlite: "DELETE FROM ledger_entries WHERE seq > 15")
        await #expect(throws: LedgerError.readFailed("the ledger's Merkle tree covers 20 entries but the ledger holds 15")) {
            try await fixture.writer()
        }
    }

    @Test(
        "inclusion proofs built from the stored tiles verify against the signed root for entries across tiles; a consistency proof links two checkpoints",
        arguments: StorageEngine.allCases)
    func proofsFromTiles(engine: StorageEngine) async throws {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.filled(300, checkpointEvery: 1_000_000)
        let old = try #require(await writer.latestCheckpoint)
        try await writer.append(contentsOf: (301...700).map { LedgerFixture.entry($0) })
        try await writer.checkpoint()
        let new = try #require(await writer.latestCheckpoint)
        let key = try NoteVerifierKey(name: writer.origin, publicKey: fixture.signer.publicKey)
        let oldBody = try CheckpointNote(text: try SignedNote.open(try #require(old.note), verifiers: [key]).text)
        let newBody = try CheckpointNote(text: try SignedNote.open(try #require(new.note), verifiers: [key]).text)
        let leaves = try await Self.leaves(fixture)
        let records = fixture.records
        for index in [0, 1, 255, 256, 299, 511, 512, 699] as [Int64] {
            let proof = try await MerkleProofs.inclusion(of: index, size: newBody.size, in: TileHashes(records: records))
            #expect(
                MerkleProofs.verifyInclusion(leaf: leaves[Int(index)], index: index, size: newBody.size, proof: proof, root: newBody.rootHash),
                "entry \(index + 1)")
            #expect(
                !MerkleProofs.verifyInclusion(leaf: leaves[Int(index) ^ 1], index: index, size: newBody.size, proof: proof, root: newBody.rootHash))
        }
        let consistency = try await MerkleProofs.consistency(from: oldBody.size, to: newBody.size, in: TileHashes(records: records))
        #expect(
            MerkleProofs.verifyConsistency(
                old: oldBody.size, new: newBody.size, oldRoot: oldBody.rootHash, newRoot: newBody.rootHash, proof: consistency))
    }

    @Test("tile paths are the spec's: three-digit groups with x prefixes, .p/W for partial tiles, entries beside level 0")
    func tilePaths() {
        #expect(TileID(level: 0, index: 1_234_067).path == "tile/0/x001/x234/067")
        #expect(TileID(level: 1, index: 0, width: 2).path == "tile/1/000.p/2")
        #expect(TileID(level: nil, index: 5, width: 17).path == "tile/entries/005.p/17")
        #expect(TileID(path: "tile/0/x001/x234/067") == TileID(level: 0, index: 1_234_067))
        #expect(TileID(path: "tile/2/x001/234.p/17") == TileID(level: 2, index: 1234, width: 17))
        #expect(TileID(path: "tile/entries/000") == TileID(level: nil, index: 0))
        for bad in [
            "tile/0/1234", "tile/0/x001/34", "tile/0/001/234", "tile/00/000", "tile/-1/000", "tile/0/000.p/256", "tile/0/000.p/0",
            "tile/0/000.p/07", "tile/entries/x000", "tile/9/000", "tile/0/+12", "tiles/0/000", "tile/0/",
        ] {
            #expect(TileID(path: bad) == nil, "\(bad)")
        }
        #expect(TileID.count(level: 0, treeSize: 600) == (2, 88))
        #expect(TileID.count(level: 1, treeSize: 600) == (0, 2))
    }
}
