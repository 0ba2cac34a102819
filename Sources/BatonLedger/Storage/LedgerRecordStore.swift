import Foundation

/// Where the ledger's sealed records and signed checkpoints are kept: the storage seam
/// under ``LedgerWriter`` (SQLite embedded, ``SQLiteLedgerRecords``; PostgreSQL shared by
/// several daemons, ``PostgresLedgerRecords``).
///
/// The store is the sequencer: it hands the writer the chain's head as it stands inside the
/// append's transaction, and the writer numbers, hashes and grows the tree after it. With
/// one writer (SQLite, under the data directory's lock) that head is the writer's own last
/// batch; with several daemons on one database the head is locked for the transaction, so
/// their batches chain one after another without a gap, a fork or a duplicate.
public protocol LedgerRecordStore: LedgerRecordSource {
    /// Appends one batch: calls `seal` inside the transaction with the chain's head at that
    /// moment, and makes the records and Merkle tree tiles it returns durable in that
    /// transaction (an acknowledged batch survives power loss) — all of them, or none and
    /// throws. A tile replaces the stored one at its level and index. Returns what `seal`
    /// returned beside the batch.
    func append<Result: Sendable>(_ seal: @escaping @Sendable (LedgerAppendHead) async throws -> (SealedBatch, Result)) async throws -> Result
    /// Stores Merkle tree tiles for records already stored (building the tree of a ledger
    /// written before it had one), replacing those at the same level and index.
    func saveTiles(_ tiles: [StoredTile]) async throws
    /// Stores a signed checkpoint, replacing one at the same sequence number.
    func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws
}

/// The chain's end as a store sees it inside an append's transaction.
public struct LedgerAppendHead: Sendable {
    /// The last stored sequence number; 0 for an empty ledger.
    public let sequence: Int64
    /// The last stored hash; ``LedgerWriter/genesis`` for an empty ledger.
    public let hash: [UInt8]
    /// Reads a stored tile (level, index) inside the transaction, for a writer whose tree
    /// must catch up with batches other daemons appended.
    public let tile: @Sendable (Int, Int64) async throws -> [UInt8]?

    public init(sequence: Int64, hash: [UInt8], tile: @escaping @Sendable (Int, Int64) async throws -> [UInt8]?) {
        self.sequence = sequence
        self.hash = hash
        self.tile = tile
    }
}

/// Records numbered and hashed after a head, and the Merkle tree tiles they change.
public struct SealedBatch: Sendable {
    public let records: [SealedRecord]
    public let tiles: [StoredTile]

    public init(records: [SealedRecord], tiles: [StoredTile]) {
        self.records = records
        self.tiles = tiles
    }
}

/// A record numbered and hashed by the writer, ready to store.
public struct SealedRecord: Sendable {
    public let sequence: Int64
    /// The canonical encoding the hash seals (``LedgerEntry/record()``).
    public let record: [UInt8]
    /// SHA-256 of the previous hash and `record`.
    public let hash: [UInt8]
}

/// A signed checkpoint as stored: the head it signs and the signature.
public struct StoredCheckpoint: Sendable, Equatable {
    public let sequence: Int64
    /// Microseconds since 1970.
    public let timestamp: Int64
    public let hash: [UInt8]
    public let keyID: String
    public let signature: Data
    /// The C2SP signed note committing to the Merkle tree of the first `sequence` entries,
    /// with any witness cosignatures; `nil` for a checkpoint from before the tree.
    public let note: String?

    public init(sequence: Int64, timestamp: Int64, hash: [UInt8], keyID: String, signature: Data, note: String? = nil) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.hash = hash
        self.keyID = keyID
        self.signature = signature
        self.note = note
    }
}
