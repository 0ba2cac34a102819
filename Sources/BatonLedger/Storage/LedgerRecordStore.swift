import Foundation

/// Where the ledger's sealed records and signed checkpoints are kept: the storage seam
/// under ``LedgerWriter`` (SQLite embedded, ``SQLiteLedgerRecords``; PostgreSQL for
/// several daemons).
///
/// The writer numbers, hashes and group-commits; a store only makes a batch durable, all
/// of it or none of it, and answers where the chain ends (``LedgerRecordSource/head()``).
public protocol LedgerRecordStore: LedgerRecordSource {
    /// The sequence number of the last signed checkpoint; 0 when there is none.
    func lastCheckpointSequence() async throws -> Int64
    /// Makes `records` durable in one transaction (an acknowledged batch survives power
    /// loss), or throws and keeps none of them.
    func append(_ records: [SealedRecord]) async throws
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
}
