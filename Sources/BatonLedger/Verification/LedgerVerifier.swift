import Crypto
import Foundation

/// Checks the whole ledger: the hash chain from the first entry, the Merkle tree beside it,
/// and every signed checkpoint.
///
/// Names the first bad sequence number for an edited, deleted, reordered or inserted entry,
/// and reports a tail truncated behind the last checkpoint.
///
/// The tree is checked against the records: each entry's leaf hash in the level-0 tiles,
/// each higher tile's hashes against the tiles below, and each checkpoint's signed note
/// against the root those tiles give at its size.
///
/// Each entry is checked against the stored hash of the one before it, so the chain is cut
/// into ranges checked in parallel, one read of the ``LedgerRecordSource`` each; if every entry hashes to its
/// stored value from its predecessor's, the whole chain does. An entry is its record — the
/// bytes its hash seals — so checking one is a SHA-256 over stored bytes, nothing decoded;
/// a record must also carry its own row's sequence number, so rows cannot be renumbered.
public struct LedgerVerifier: Sendable {
    /// What verification found.
    public struct Report: Sendable, Equatable {
        public var entries: Int64
        public var checkpoints: Int
        /// Entries the Merkle tree covers; `nil` for a ledger from before the tree, which
        /// gets one when the writer next opens it.
        public var treeSize: Int64?
        /// The witnesses whose cosignatures verify, by checkpoint (sequence number).
        public var cosignatures: [Int64: [String]] = [:]
        /// Empty when the ledger is intact.
        public var problems: [LedgerProblem]

        public var isIntact: Bool { problems.isEmpty }
    }

    /// The ledger's records (the index plays no part in verification).
    let records: any LedgerRecordSource
    let publicKey: Curve25519.Signing.PublicKey
    /// The witnesses' cosignature keys: their signatures on checkpoints are checked and reported.
    let witnesses: [NoteVerifierKey]
    /// Entries per parallel range.
    let rangeSize: Int64

    public init(records: any LedgerRecordSource, publicKey: Curve25519.Signing.PublicKey, witnesses: [NoteVerifierKey] = []) {
        self.init(records: records, publicKey: publicKey, witnesses: witnesses, rangeSize: 200_000)
    }

    init(records: any LedgerRecordSource, publicKey: Curve25519.Signing.PublicKey, witnesses: [NoteVerifierKey] = [], rangeSize: Int64) {
        self.records = records
        self.publicKey = publicKey
        self.witnesses = witnesses
        self.rangeSize = max(rangeSize, 1)
    }

    public func verify() async throws -> Report {
        // Checkpoints before the head: each covers entries already there when the head is
        // read, so one written meanwhile cannot look like a truncated tail.
        let checkpoints = try await records.checkpoints()
        // The records and the tree as of one moment: the writer commits both together.
        let (last, treeSize) = try await records.extent()
        // A ledger from before the tree has neither tiles nor notes until the writer opens it.
        let hasTree = treeSize > 0 || checkpoints.contains { $0.note != nil }
        let firstBad = try await firstChainProblem(through: last, leaves: hasTree)
        var problems = firstBad.map { [$0] } ?? []
        let intactThrough = firstBad.map { $0.sequence - 1 } ?? last
        problems += try await checkpointProblems(checkpoints, intactThrough: intactThrough, chainIntact: firstBad == nil)
        var cosignatures: [Int64: [String]] = [:]
        if hasTree {
            let cut = problems.contains { if case .truncated = $0 { true } else { false } }
            let tree = try await treeProblem(size: last, covered: treeSize, chainIntact: firstBad == nil && !cut)
            if let tree {
                problems.append(tree)
            } else {
                let notes = try await noteProblems(checkpoints, intactThrough: intactThrough)
                problems += notes.problems
                cosignatures = notes.cosignatures
            }
        }
        var report = Report(entries: intactThrough, checkpoints: checkpoints.count, treeSize: hasTree ? treeSize : nil, problems: problems)
        report.cosignatures = cosignatures
        return report
    }

    // MARK: - The chain

    /// The earliest problem over all ranges of `1...last`.
    private func firstChainProblem(through last: Int64, leaves: Bool) async throws -> LedgerProblem? {
        guard last > 0 else { return nil }
        let starts = Array(stride(from: Int64(1), through: last, by: Int(rangeSize)))
        let rangeSize = rangeSize
        return try await withThrowingTaskGroup(of: LedgerProblem?.self) { group in
            for start in starts {
                let end = min(start + rangeSize - 1, last)
                group.addTask { try await self.check(from: start, through: end, leaves: leaves) }
            }
            var earliest: LedgerProblem?
            for try await problem in group {
                if let problem, problem.sequence < (earliest?.sequence ?? .max) { earliest = problem }
            }
            return earliest
        }
    }

    /// Checks entries `start...end` against the stored hash of entry `start - 1`, and with
    /// `leaves`, against their leaf hashes in the Merkle tree.
    ///
    /// When that entry is missing the range reports nothing: the range before it finds the gap.
    private func check(from start: Int64, through end: Int64, leaves checkLeaves: Bool) async throws -> LedgerProblem? {
        var previous = LedgerWriter.genesis
        if start > 1 {
            guard let stored = try await records.hash(at: start - 1) else { return nil }
            previous = stored
        }
        var leaves: (hashes: [UInt8], first: Int64) = ([], 0)
        var subtreeProblem: LedgerProblem?
        if checkLeaves {
            leaves = try await levelZeroTiles(from: start, through: end)
            subtreeProblem = try await levelOneProblem(leaves, from: start, through: end)
        }
        let chainProblem = try await records.records(from: start, through: end, limit: Int(end - start + 1)) {
            [previous, leaves] cursor -> LedgerProblem? in
            // The previous entry's hash and this one's, swapped after each entry: nothing allocated per entry.
            var previous = previous
            var hash = [UInt8](repeating: 0, count: MerkleHash.size)
            var expected = start
            var treeProblem: LedgerProblem?
            // A leaf that disagrees comes before any later break of the chain.
            while let stored = try cursor.next() {
                let sequence = stored.sequence
                guard sequence == expected else { return treeProblem ?? .missing(sequence: expected) }
                guard LedgerRecord.sequence(of: stored.record) == sequence else { return treeProblem ?? .altered(sequence: sequence) }
                let sealed = previous.withUnsafeBytes { previous in
                    hash.withUnsafeMutableBytes { hash in
                        LedgerEntry.hash(previous: previous, record: stored.record, into: hash.baseAddress!)
                        return stored.hash.count == MerkleHash.size && memcmp(stored.hash.baseAddress!, hash.baseAddress!, MerkleHash.size) == 0
                    }
                }
                guard sealed else { return treeProblem ?? .altered(sequence: sequence) }
                if checkLeaves, treeProblem == nil {
                    // Leaf i is hash i of the run of tiles, which starts at leaf first × 256.
                    let offset = Int(sequence - 1 - leaves.first * Int64(TileID.width)) * MerkleHash.size
                    let matches =
                        offset + MerkleHash.size <= leaves.hashes.count
                        && leaves.hashes.withUnsafeBytes {
                            MerkleHash.leaf(stored.record, matches: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + MerkleHash.size]))
                        }
                    if !matches { treeProblem = .treeMismatch(sequence: sequence) }
                }
                swap(&previous, &hash)
                expected += 1
            }
            return treeProblem ?? (expected <= end ? .missing(sequence: expected) : nil)
        }
        // An edited leaf also changes its tile's root: name the leaf, not the tile's first entry.
        if let chainProblem, case .treeMismatch(let leaf) = chainProblem, let subtree = subtreeProblem?.sequence,
            (subtree..<subtree + Int64(TileID.width)).contains(leaf)
        {
            return chainProblem
        }
        return [chainProblem, subtreeProblem].compactMap { $0 }.min { $0.sequence < $1.sequence }
    }

    /// The level-0 tiles holding the leaves of entries `start...end`, whole and concatenated
    /// (shorter when tiles are missing), and the index of the first.
    private func levelZeroTiles(from start: Int64, through end: Int64) async throws -> (hashes: [UInt8], first: Int64) {
        let width = Int64(TileID.width)
        let first = (start - 1) / width
        let keys = (first...(end - 1) / width).map { TileKey(level: 0, index: $0) }
        let stored = try await records.tiles(at: keys)
        var hashes: [UInt8] = []
        for key in keys {
            guard let tile = stored[key] else { break }
            hashes += tile
            guard tile.count == TileID.width * MerkleHash.size else { break }
        }
        return (hashes, first)
    }

    /// Whether each full level-0 tile whose first leaf is in `start...end` has its root in
    /// the level-1 tiles: the first entry of the first that does not. (Each tile is checked
    /// by the range holding its first leaf; its leaves by the ranges holding them.)
    private func levelOneProblem(_ tiles: (hashes: [UInt8], first: Int64), from start: Int64, through end: Int64) async throws -> LedgerProblem? {
        let tileBytes = TileID.width * MerkleHash.size
        var parents: [Int64: [UInt8]] = [:]
        for offset in 0..<tiles.hashes.count / tileBytes {
            let tile = tiles.first + Int64(offset)
            let firstLeaf = tile * Int64(TileID.width) + 1
            guard (start...end).contains(firstLeaf) else { continue }
            let parentIndex = tile / Int64(TileID.width)
            if parents[parentIndex] == nil { parents[parentIndex] = try await records.tile(level: 1, index: parentIndex) ?? [] }
            let parent = parents[parentIndex]!
            let child = tiles.hashes[offset * tileBytes..<(offset + 1) * tileBytes]
            guard Self.holdsRoot(of: child, in: parent, at: Int(tile % Int64(TileID.width))) else { return .treeMismatch(sequence: firstLeaf) }
        }
        return nil
    }

    // MARK: - The tree

    /// Whether `parent` holds, at `slot`, the root of the full tile `child`.
    private static func holdsRoot(of child: ArraySlice<UInt8>, in parent: [UInt8], at slot: Int) -> Bool {
        let at = slot * MerkleHash.size
        guard child.count == TileID.width * MerkleHash.size, parent.count >= at + MerkleHash.size else { return false }
        return parent[at..<at + MerkleHash.size].elementsEqual(MerkleHash.root(ofConcatenated: child))
    }

    /// Whether the tiles above level 1 hold the roots of the tiles below them, and the tree
    /// covers exactly the `size` entries: the first entry whose subtree disagrees, if any.
    private func treeProblem(size: Int64, covered: Int64, chainIntact: Bool) async throws -> LedgerProblem? {
        if chainIntact, covered != size { return .treeMismatch(sequence: min(covered, size) + 1) }
        // Level 1 against level 0 was checked with the records, range by range.
        var level = 2
        while size >> Int64(TileID.height * level) > 0 {
            let (full, partial) = TileID.count(level: level, treeSize: size)
            let tiles = full + (partial > 0 ? 1 : 0)
            let problem = try await firstLevelProblem(level: level, tiles: tiles, hashes: size >> Int64(TileID.height * level))
            if let problem { return problem }
            level += 1
        }
        return nil
    }

    /// Checks the `tiles` tiles of `level` (holding `hashes` hashes) against the level below, in parallel.
    private func firstLevelProblem(level: Int, tiles: Int64, hashes: Int64) async throws -> LedgerProblem? {
        let leavesPerHash = Int64(1) << Int64(TileID.height * level)
        return try await withThrowingTaskGroup(of: Int64?.self) { group in
            let workers = Int64(4)
            for worker in 0..<workers {
                group.addTask {
                    var index = worker
                    while index < tiles {
                        let width = Int(min(hashes - index * Int64(TileID.width), Int64(TileID.width)))
                        let tile = try await records.tile(level: level, index: index) ?? []
                        let children = (0..<Int64(width)).map { TileKey(level: level - 1, index: index * Int64(TileID.width) + $0) }
                        let below = try await records.tiles(at: children)
                        for (slot, child) in children.enumerated() {
                            guard let childTile = below[child], Self.holdsRoot(of: childTile[...], in: tile, at: slot) else {
                                return child.index * leavesPerHash + 1
                            }
                        }
                        index += workers
                    }
                    return nil
                }
            }
            var first: Int64?
            for try await sequence in group { if let sequence, sequence < (first ?? .max) { first = sequence } }
            return first.map { .treeMismatch(sequence: $0) }
        }
    }

    /// Every checkpoint's signed note: signed by the ledger key under its origin, for the
    /// tree of exactly its entries, with the root the (checked) tiles give.
    private func noteProblems(_ checkpoints: [StoredCheckpoint], intactThrough last: Int64) async throws -> (
        problems: [LedgerProblem], cosignatures: [Int64: [String]]
    ) {
        var problems: [LedgerProblem] = []
        var cosignatures: [Int64: [String]] = [:]
        let hashes = TileHashes(records: records)
        for checkpoint in checkpoints {
            guard let note = checkpoint.note else { continue }
            let sequence = checkpoint.sequence
            guard let origin = note.split(separator: "\n", maxSplits: 1).first.map(String.init),
                let key = try? NoteVerifierKey(name: origin, publicKey: publicKey),
                let opened = try? SignedNote.open(note, verifiers: [key] + witnesses), opened.signedBy.contains(origin),
                let body = try? CheckpointNote(text: opened.text), body.origin == origin, body.size == sequence
            else {
                problems.append(.badCheckpointSignature(sequence: sequence))
                continue
            }
            let witnessed = opened.signedBy.filter { $0 != origin }
            if !witnessed.isEmpty { cosignatures[sequence] = witnessed }
            guard sequence <= last else { continue }  // reported as truncated
            if try await MerkleProofs.root(start: 0, size: sequence, in: hashes) != body.rootHash {
                problems.append(.checkpointMismatch(sequence: sequence))
            }
        }
        return (problems, cosignatures)
    }

    // MARK: - Checkpoints

    private func checkpointProblems(_ checkpoints: [StoredCheckpoint], intactThrough last: Int64, chainIntact: Bool) async throws -> [LedgerProblem] {
        var problems: [LedgerProblem] = []
        for checkpoint in checkpoints {
            let sequence = checkpoint.sequence
            let signed = checkpoint.hash
            guard
                CheckpointSigner.isValid(
                    checkpoint.signature, sequence: sequence, hash: signed, timestamp: checkpoint.timestamp, publicKey: publicKey)
            else {
                problems.append(.badCheckpointSignature(sequence: sequence))
                continue
            }
            if chainIntact, sequence > last {
                problems.append(.truncated(checkpoint: sequence, lastEntry: last))
            } else if sequence <= last {
                // The chain is intact through `last`, so the stored hash is the chain's hash there.
                if try await records.hash(at: sequence) != signed { problems.append(.checkpointMismatch(sequence: sequence)) }
            }
        }
        return problems
    }
}

/// One way the ledger is not what was written.
public enum LedgerProblem: Sendable, Equatable, CustomStringConvertible {
    /// Entry `sequence` does not hash to its recorded value: edited, inserted, or reordered here.
    case altered(sequence: Int64)
    /// Entry `sequence` is gone: the next entry has a later number.
    case missing(sequence: Int64)
    /// A checkpoint names an entry beyond the end: the tail was cut off.
    case truncated(checkpoint: Int64, lastEntry: Int64)
    /// A checkpoint's signature does not verify under the ledger key.
    case badCheckpointSignature(sequence: Int64)
    /// A validly signed checkpoint disagrees with the chain.
    case checkpointMismatch(sequence: Int64)
    /// A checkpoint held outside the ledger names an entry beyond its end: the ledger was
    /// rolled back or its tail cut, even if its own checkpoints were deleted with it.
    case rolledBack(checkpoint: Int64, lastEntry: Int64)
    /// The ledger's hash at a checkpoint held outside it differs: its history was rewritten.
    case rewritten(sequence: Int64)
    /// A checkpoint held outside the ledger is not signed by this ledger's key.
    case foreignCheckpoint(sequence: Int64)
    /// The Merkle tree disagrees with the records from entry `sequence` on: a leaf or a
    /// subtree hash was edited, or the tree is longer or shorter than the chain.
    case treeMismatch(sequence: Int64)

    /// The first sequence number the problem concerns.
    public var sequence: Int64 {
        switch self {
        case .altered(let sequence), .missing(let sequence), .badCheckpointSignature(let sequence), .checkpointMismatch(let sequence),
            .rewritten(let sequence), .foreignCheckpoint(let sequence), .treeMismatch(let sequence):
            sequence
        case .truncated(_, let lastEntry), .rolledBack(_, let lastEntry): lastEntry + 1
        }
    }

    public var description: String {
        switch self {
        case .altered(let sequence): "entry \(sequence) does not match the chain (edited, inserted or reordered)"
        case .missing(let sequence): "entry \(sequence) is missing (deleted)"
        case .truncated(let checkpoint, let last):
            "the ledger ends at entry \(last) but a signed checkpoint covers entry \(checkpoint): its tail was truncated"
        case .badCheckpointSignature(let sequence): "the checkpoint at entry \(sequence) has an invalid signature"
        case .checkpointMismatch(let sequence): "the signed checkpoint at entry \(sequence) disagrees with the chain"
        case .rolledBack(let checkpoint, let last):
            "the ledger ends at entry \(last) but a checkpoint held outside it covers entry \(checkpoint): it was rolled back or cut"
        case .rewritten(let sequence):
            "the ledger's hash at entry \(sequence) differs from the checkpoint held outside it: its history was rewritten"
        case .foreignCheckpoint(let sequence): "the outside checkpoint at entry \(sequence) is not signed by this ledger's key"
        case .treeMismatch(let sequence): "the Merkle tree disagrees with the records from entry \(sequence) on"
        }
    }
}
