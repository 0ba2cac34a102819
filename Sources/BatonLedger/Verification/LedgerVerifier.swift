import Crypto
import Foundation

/// Checks the whole ledger: the hash chain from the first entry, and every signed checkpoint.
///
/// Names the first bad sequence number for an edited, deleted, reordered or inserted entry,
/// and reports a tail truncated behind the last checkpoint.
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
        /// Empty when the ledger is intact.
        public var problems: [LedgerProblem]

        public var isIntact: Bool { problems.isEmpty }
    }

    /// The ledger's records (the index plays no part in verification).
    let records: any LedgerRecordSource
    let publicKey: Curve25519.Signing.PublicKey
    /// Entries per parallel range.
    let rangeSize: Int64

    public init(records: any LedgerRecordSource, publicKey: Curve25519.Signing.PublicKey) {
        self.init(records: records, publicKey: publicKey, rangeSize: 200_000)
    }

    init(records: any LedgerRecordSource, publicKey: Curve25519.Signing.PublicKey, rangeSize: Int64) {
        self.records = records
        self.publicKey = publicKey
        self.rangeSize = max(rangeSize, 1)
    }

    public func verify() async throws -> Report {
        // Checkpoints before the head: each covers entries already there when the head is
        // read, so one written meanwhile cannot look like a truncated tail.
        let checkpoints = try await records.checkpoints()
        let last = try await records.head()?.sequence ?? 0
        let firstBad = try await firstChainProblem(through: last)
        var problems = firstBad.map { [$0] } ?? []
        let intactThrough = firstBad.map { $0.sequence - 1 } ?? last
        problems += try await checkpointProblems(checkpoints, intactThrough: intactThrough, chainIntact: firstBad == nil)
        return Report(entries: intactThrough, checkpoints: checkpoints.count, problems: problems)
    }

    // MARK: - The chain

    /// The earliest problem over all ranges of `1...last`.
    private func firstChainProblem(through last: Int64) async throws -> LedgerProblem? {
        guard last > 0 else { return nil }
        let starts = Array(stride(from: Int64(1), through: last, by: Int(rangeSize)))
        let rangeSize = rangeSize
        return try await withThrowingTaskGroup(of: LedgerProblem?.self) { group in
            for start in starts {
                let end = min(start + rangeSize - 1, last)
                group.addTask { try await self.check(from: start, through: end) }
            }
            var earliest: LedgerProblem?
            for try await problem in group {
                if let problem, problem.sequence < (earliest?.sequence ?? .max) { earliest = problem }
            }
            return earliest
        }
    }

    /// Checks entries `start...end` against the stored hash of entry `start - 1`.
    ///
    /// When that entry is missing the range reports nothing: the range before it finds the gap.
    private func check(from start: Int64, through end: Int64) async throws -> LedgerProblem? {
        var previous = LedgerWriter.genesis
        if start > 1 {
            guard let stored = try await records.hash(at: start - 1) else { return nil }
            previous = stored
        }
        return try await records.records(from: start, through: end, limit: Int(end - start + 1)) { [previous] cursor in
            var previous = previous
            var expected = start
            while let stored = try cursor.next() {
                let sequence = stored.sequence
                guard sequence == expected else { return .missing(sequence: expected) }
                guard LedgerRecord.sequence(of: stored.record) == sequence else { return .altered(sequence: sequence) }
                let hash = LedgerEntry.hash(previous: previous, record: stored.record)
                guard stored.hash.elementsEqual(hash) else { return .altered(sequence: sequence) }
                previous = hash
                expected += 1
            }
            return expected <= end ? .missing(sequence: expected) : nil
        }
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

    /// The first sequence number the problem concerns.
    public var sequence: Int64 {
        switch self {
        case .altered(let sequence), .missing(let sequence), .badCheckpointSignature(let sequence), .checkpointMismatch(let sequence),
            .rewritten(let sequence), .foreignCheckpoint(let sequence):
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
        }
    }
}
