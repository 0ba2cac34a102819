import BatonLedger

/// Where the runtime records each step: the ledger writer in the daemon. `append` returns
/// once the entry is durable and throws when it cannot be — then the step is not taken.
public protocol AuditRecorder: Sendable {
    @discardableResult
    func append(_ entry: LedgerEntry) async throws -> Int64

    /// Several entries in order, durable together (one transaction, one fsync).
    @discardableResult
    func append(contentsOf entries: [LedgerEntry]) async throws -> [Int64]
}

extension AuditRecorder {
    /// One at a time, for recorders without batches.
    @discardableResult
    public func append(contentsOf entries: [LedgerEntry]) async throws -> [Int64] {
        var sequences: [Int64] = []
        for entry in entries { sequences.append(try await append(entry)) }
        return sequences
    }
}

extension LedgerWriter: AuditRecorder {}
