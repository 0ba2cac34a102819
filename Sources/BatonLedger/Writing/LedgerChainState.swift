/// The end of the chain as a writer extends it: the last sequence number and hash, and the
/// Merkle tree over every record. A value: a batch that fails to commit leaves the
/// writer's copy as it was.
struct LedgerChainState: Sendable {
    private(set) var sequence: Int64
    private(set) var hash: [UInt8]
    private(set) var tree: TreeTiles

    init(sequence: Int64, hash: [UInt8], tree: TreeTiles) {
        self.sequence = sequence
        self.hash = hash
        self.tree = tree
    }

    /// The chain ending at `head`, its tree restored from the tiles the store holds (other
    /// daemons appended since this writer's last batch).
    init(head: LedgerAppendHead) async throws {
        let tree = try await TreeTiles(size: head.sequence, read: head.tile)
        self.init(sequence: head.sequence, hash: head.hash, tree: tree)
    }

    /// Whether this is the chain ending at `head`.
    func ends(at head: LedgerAppendHead) -> Bool {
        sequence == head.sequence && hash == head.hash
    }

    /// Numbers and hashes `records` after the current end and adds them to the tree;
    /// returns them with the tiles they change.
    mutating func seal(_ records: [[UInt8]]) -> SealedBatch {
        var sealed: [SealedRecord] = []
        sealed.reserveCapacity(records.count)
        for var record in records {
            sequence += 1
            LedgerRecord.setSequence(sequence, in: &record)
            record.withUnsafeBytes { bytes in
                hash = LedgerEntry.hash(previous: hash, record: bytes)
                tree.append(leaf: MerkleHash.leaf(bytes))
            }
            sealed.append(SealedRecord(sequence: sequence, record: record, hash: hash))
        }
        return SealedBatch(records: sealed, tiles: tree.takeChanged())
    }
}
