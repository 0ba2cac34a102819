import BatonCore

/// Why the ledger could not do what was asked. The ledger fails closed: an append that
/// throws was not recorded, and the step it describes must not happen.
public enum LedgerError: BatonError, Equatable {
    /// The database refused the write (read-only, full, I/O error); nothing of the batch was kept.
    case writeFailed(String)
    /// The ledger was closed.
    case closed
    /// The signing key file cannot be used.
    case signingKeyUnusable(String)
    /// A read failed.
    case readFailed(String)
    /// A stored record does not follow the canonical encoding.
    case malformedRecord(String)
    /// The ledger at this path was written by an earlier schema and not upgraded yet.
    case notUpgraded(path: String)
    /// Evidence about the ledger held outside it — a checkpoint file, a signed note, a
    /// verifier key, stored tree hashes — does not follow its format.
    case malformedEvidence(String)
    /// Entry `sequence` is not under a signed checkpoint yet (the latest covers `checkpoint`
    /// entries), or does not exist, so no proof of it can be made.
    case notCovered(sequence: Int64, checkpoint: Int64)

    public var code: String {
        switch self {
        case .writeFailed: "ledger_write_failed"
        case .closed: "ledger_closed"
        case .signingKeyUnusable: "ledger_signing_key_unusable"
        case .readFailed: "ledger_read_failed"
        case .malformedRecord: "ledger_malformed_record"
        case .notUpgraded: "ledger_not_upgraded"
        case .malformedEvidence: "ledger_malformed_evidence"
        case .notCovered: "ledger_entry_not_covered"
        }
    }

    public var description: String {
        switch self {
        case .writeFailed(let reason): "the audit ledger could not record the event, so the step was refused: \(reason)"
        case .closed: "the audit ledger is closed"
        case .signingKeyUnusable(let reason): "the ledger's checkpoint signing key cannot be used: \(reason)"
        case .readFailed(let reason): "the audit ledger could not be read: \(reason)"
        case .malformedRecord(let reason): "a ledger record is not in the canonical encoding: \(reason)"
        case .notUpgraded(let path):
            "the ledger in \(path) was written by an earlier Baton; `baton migrate apply` (or starting the daemon) upgrades it"
        case .malformedEvidence(let reason): reason
        case .notCovered(let sequence, let checkpoint):
            checkpoint == 0
                ? "the ledger has signed no checkpoint with a Merkle tree yet, so entry \(sequence) cannot be proven; one is signed every storage.checkpoint_interval"
                : "entry \(sequence) is not under the latest signed checkpoint (\(checkpoint) entries): wait for the next (storage.checkpoint_interval)"
        }
    }
}
