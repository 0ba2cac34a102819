import BatonLedger
import Foundation

/// The ledger's health as the console shows it: the last verification (its result and
/// when it ran) kept for every page's banner, and a fresh look at the checkpoint and the
/// indexer on each request.
actor LedgerHealth {
    /// What the last `verify` found.
    struct Verification: Sendable {
        let finishedAt: Date
        let seconds: Double
        let entries: Int64
        let checkpoints: Int
        let cosignatures: Int
        /// The first problem, which the red banner names; `nil` when intact.
        let firstProblem: LedgerProblem?
        let problemCount: Int
    }

    /// The state of the ledger right now.
    struct Snapshot: Sendable {
        var entries: Int64
        var checkpoint: StoredCheckpoint?
        /// Who signed the latest checkpoint's note besides this ledger: its witnesses.
        var cosigners: [String]
        var indexedThrough: Int64?
        var verification: Verification?
        var verifying: Bool
        var indexLag: Int64? { indexedThrough.map { max(0, entries - $0) } }
    }

    private(set) var last: Verification?
    private var running: Task<Verification, any Error>?

    /// Runs a full verification (one at a time: a second request waits for the first).
    func verify(records: any LedgerRecordSource, signer: CheckpointSigner, witnesses: [NoteVerifierKey]) async throws -> Verification {
        if let running { return try await running.value }
        let task = Task {
            let start = ContinuousClock.now
            let report = try await LedgerVerifier(records: records, publicKey: signer.publicKey, witnesses: witnesses).verify()
            return Verification(
                finishedAt: Date(), seconds: (ContinuousClock.now - start).timeInterval, entries: report.entries, checkpoints: report.checkpoints,
                cosignatures: report.cosignatures.values.reduce(0) { $0 + $1.count }, firstProblem: report.problems.min { $0.sequence < $1.sequence },
                problemCount: report.problems.count)
        }
        running = task
        defer { running = nil }
        let verification = try await task.value
        last = verification
        return verification
    }

    func snapshot(reader: LedgerReader, origin: String?) async throws -> Snapshot {
        let head = try await reader.records.head()
        let checkpoint = try await reader.records.latestNotedCheckpoint()
        let indexed = try await reader.index?.state()?.indexedThrough
        return Snapshot(
            entries: head?.sequence ?? 0, checkpoint: checkpoint, cosigners: Self.cosigners(of: checkpoint?.note, besides: origin),
            indexedThrough: reader.index == nil ? nil : indexed ?? 0, verification: last, verifying: running != nil)
    }

    /// The key names on a signed note's signature lines (`— name base64`), other than `origin`.
    static func cosigners(of note: String?, besides origin: String?) -> [String] {
        note.map { SignedNote.signers(of: $0).filter { $0 != origin } } ?? []
    }
}
