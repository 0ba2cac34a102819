import Foundation

/// Where the ledger's sealed records and signed checkpoints are kept: the storage seam
/// under ``LedgerWriter`` (SQLite embedded, ``SQLiteLedgerRecords``; PostgreSQL for
/// several daemons).
///
/// The writer numbers, hashes and group-commits; a store only makes a batch durable, all
/// of it or none of it, and answers where the chain ends (``LedgerRecordSource/head()``).
public protocol LedgerRecordStore: LedgerRecordSource {
    /// Makes `records` and the Merkle tree `tiles` they change durable in one transaction
    /// (an acknowledged batch survives power loss), or throws and keeps none of them. A
    /// tile replaces the stored one at its level and index.
    func append(_ records: [SealedRecord], tiles: [StoredTile]) async throws
    /// Stores Merkle tree tiles for records already stored (building the tree of a ledger
    /// written before it had one), replacing those at the same level and index.
    func saveTiles(_ tiles: [StoredTile]) async throws
    /// Stores a signed checkpoint, replacing one at the same sequence number.
    func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws
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
