/// What of the ledger its transparency log publishes, beside the signed checkpoints
/// (`storage.ledger_publish`).
public enum LedgerPublication: String, Sendable, CaseIterable {
    /// Nothing: `/checkpoint` and `/tile/…` answer 404, for a deployment that keeps even the
    /// log's size and growth private. Proofs (`baton audit prove`) and witnesses still work.
    case off
    /// The tree's hashes only: anyone can check that the log is append-only and that an
    /// entry handed to them (in a proof bundle) is in it, but no entry is readable. The
    /// default: entries name users, agents and resources.
    case hashes
    /// The hashes and the entries themselves (tlog-tiles entry bundles), for a log whose
    /// readers may see every entry. Entries never hold a token, only its fingerprint.
    case entries
}
