import Crypto
import Foundation
import GRDB

/// Checks the whole ledger: the hash chain from the first entry, and every signed checkpoint.
///
/// Names the first bad sequence number for an edited, deleted, reordered or inserted entry,
/// and reports a tail truncated behind the last checkpoint.
public struct LedgerVerifier: Sendable {
    /// What verification found.
    public struct Report: Sendable, Equatable {
        public var entries: Int64
        public var checkpoints: Int
        /// Empty when the ledger is intact.
        public var problems: [LedgerProblem]

        public var isIntact: Bool { problems.isEmpty }
    }

    let reader: any DatabaseReader
    let publicKey: Curve25519.Signing.PublicKey

    public init(reader: any DatabaseReader, publicKey: Curve25519.Signing.PublicKey) {
        self.reader = reader
        self.publicKey = publicKey
    }

    public func verify() throws -> Report {
        try reader.read { db in
            var problems: [LedgerProblem] = []
            var expected: Int64 = 1
            var hash = LedgerWriter.genesis
            var hashes: [Int64: [UInt8]] = [:]
            let checkpointSequences = Set(try Int64.fetchAll(db, sql: "SELECT seq FROM ledger_checkpoints"))
            let rows = try Row.fetchCursor(db, sql: "SELECT \(LedgerEntry.columns), hash FROM ledger_entries ORDER BY seq")
            while let row = try rows.next() {
                let sequence: Int64 = row["seq"]
                guard problems.isEmpty else { break }
                guard sequence == expected else {
                    problems.append(.missing(sequence: expected))
                    break
                }
                guard let entry = LedgerEntry(row: row) else {
                    problems.append(.altered(sequence: sequence))
                    break
                }
                hash = entry.hash(previous: hash)
                guard hash == Array(row["hash"] as Data) else {
                    problems.append(.altered(sequence: sequence))
                    break
                }
                if checkpointSequences.contains(sequence) { hashes[sequence] = hash }
                expected += 1
            }
            let last = expected - 1
            let checkpoints = try Row.fetchAll(db, sql: "SELECT seq, ts_us, hash, signature FROM ledger_checkpoints ORDER BY seq")
            for checkpoint in checkpoints {
                let sequence: Int64 = checkpoint["seq"]
                let signed = Array(checkpoint["hash"] as Data)
                let message = CheckpointSigner.message(sequence: sequence, hash: signed, timestamp: checkpoint["ts_us"])
                guard publicKey.isValidSignature(checkpoint["signature"] as Data, for: message) else {
                    problems.append(.badCheckpointSignature(sequence: sequence))
                    continue
                }
                if problems.isEmpty, sequence > last {
                    problems.append(.truncated(checkpoint: sequence, lastEntry: last))
                } else if let actual = hashes[sequence], actual != signed {
                    problems.append(.checkpointMismatch(sequence: sequence))
                }
            }
            return Report(entries: last, checkpoints: checkpoints.count, problems: problems)
        }
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

    /// The first sequence number the problem concerns.
    public var sequence: Int64 {
        switch self {
        case .altered(let sequence), .missing(let sequence), .badCheckpointSignature(let sequence), .checkpointMismatch(let sequence): sequence
        case .truncated(_, let lastEntry): lastEntry + 1
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
        }
    }
}
