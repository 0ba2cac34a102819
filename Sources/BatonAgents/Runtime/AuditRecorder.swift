import BatonLedger

/// Where the runtime records each step: the ledger writer in the daemon. `append` returns
/// once the entry is durable and throws when it cannot be — then the step is not taken.
public protocol AuditRecorder: Sendable {
    @discardableResult
    func append(_ entry: LedgerEntry) async throws -> Int64
}

extension LedgerWriter: AuditRecorder {}
