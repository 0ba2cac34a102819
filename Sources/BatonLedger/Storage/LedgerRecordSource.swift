import Foundation

/// Where the ledger's records are read from: the read side of the storage seam, under the
/// verifier, the indexer and queries (SQLite embedded, ``SQLiteLedgerRecords``; PostgreSQL
/// for several daemons).
///
/// A source hands out records in sequence order through a ``LedgerRecordCursor`` inside
/// one read transaction, as the bytes were stored: checking a hash or deriving index rows
/// reads them in place, and decoding is the caller's business.
public protocol LedgerRecordSource: Sendable {
    /// Which ledger this is and how far it reaches.
    func identity() async throws -> LedgerIdentity
    /// The last record's sequence number and hash; `nil` for an empty ledger.
    func head() async throws -> (sequence: Int64, hash: [UInt8])?
    /// The stored hash of record `sequence`; `nil` when there is no such record.
    func hash(at sequence: Int64) async throws -> [UInt8]?
    /// Every signed checkpoint, oldest first.
    func checkpoints() async throws -> [StoredCheckpoint]
    /// The stored hashes of tile `index` at tile level `level` of the Merkle tree (32 bytes
    /// each, as ``StoredTile`` holds them); `nil` when there is no such tile.
    func tile(level: Int, index: Int64) async throws -> [UInt8]?
    /// The stored tiles at these (level, index) pairs, in one read; a missing one is left out.
    func tiles(at keys: [TileKey]) async throws -> [TileKey: [UInt8]]
    /// How many entries the Merkle tree's stored tiles cover (the leaf hashes at level 0).
    func treeSize() async throws -> Int64
    /// The last sequence number and the tree's size, read together (in one transaction):
    /// equal unless the ledger was tampered with.
    func extent() async throws -> (last: Int64, treeSize: Int64)
    /// The newest checkpoint with a signed note; `nil` before the first.
    func latestNotedCheckpoint() async throws -> StoredCheckpoint?
    /// Runs `body` over the records `first...last`, at most `limit` of them, in sequence
    /// order, in one read transaction.
    func records<T: Sendable>(
        from first: Int64, through last: Int64, limit: Int, _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T
    ) async throws -> T
    /// Runs `body` over the records with these sequence numbers, in the order given; a
    /// number with no record is skipped.
    func records<T: Sendable>(at sequences: [Int64], _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T) async throws -> T
}

/// Which ledger a store holds (its store instance, fixed when the store was created) and
/// its last sequence number: a derived index names the ledger it describes and how far.
public struct LedgerIdentity: Sendable, Equatable {
    public let instance: String
    public let last: Int64

    public init(instance: String, last: Int64) {
        self.instance = instance
        self.last = last
    }
}

/// One stored record as a cursor yields it. Its bytes are valid until the cursor moves.
public struct StoredRecordView {
    public let sequence: Int64
    /// The canonical record, as stored (``LedgerEntry/record()``); empty when not stored as bytes.
    public let record: UnsafeRawBufferPointer
    /// The stored hash; empty when not stored as bytes.
    public let hash: UnsafeRawBufferPointer

    public init(sequence: Int64, record: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        self.sequence = sequence
        self.record = record
        self.hash = hash
    }
}

/// Steps through records inside a source's read transaction.
public struct LedgerRecordCursor {
    private let step: () throws -> StoredRecordView?

    /// A cursor that yields what `step` returns until it returns `nil`.
    public init(_ step: @escaping () throws -> StoredRecordView?) {
        self.step = step
    }

    /// The next record, or `nil` after the last.
    public mutating func next() throws -> StoredRecordView? {
        try step()
    }
}

extension LedgerRecordSource {
    /// Up to `limit` entries after `sequence`, decoded, in order.
    public func entries(after sequence: Int64, limit: Int) async throws -> [LedgerEntry] {
        try await records(from: sequence + 1, through: .max, limit: limit, Self.decodeAll)
    }

    /// The entries with these sequence numbers, decoded, in the order given; missing ones are skipped.
    public func entries(at sequences: [Int64]) async throws -> [LedgerEntry] {
        guard !sequences.isEmpty else { return [] }
        return try await records(at: sequences, Self.decodeAll)
    }

    @Sendable private static func decodeAll(_ cursor: inout LedgerRecordCursor) throws -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        while let stored = try cursor.next() { entries.append(try LedgerEntry(record: stored.record)) }
        return entries
    }
}
