import BatonCore
import BatonIdentity
import BatonLedger
import Logging
import Synchronization

/// One chain's ledger entries, in order, and the barriers that make them durable.
///
/// The durability rule: an entry is durable **before the effect it records leaves the
/// process** — a request to the identity provider, a downstream request, a hop to a remote
/// daemon, the answer or error returned to the caller. Steps with no outside effect (a
/// delegation answered from the vault's hot tier and verified in-process, a policy
/// decision, a tool call before its request) are ``queue(_:)``d in order; the next
/// ``barrier(_:)`` writes them all in one group commit. A crash can lose only entries of
/// steps whose effects never left the process. A barrier that cannot be made durable
/// throws ``AgentError/auditFailed(reason:)``, and the effect it guards does not happen.
actor HopAuditor {
    private let recorder: any AuditRecorder
    private let fingerprinter: TokenFingerprinter
    private let counter: BarrierCounter
    private let metrics: RuntimeMetrics
    private let logger: Logger
    private var queued: [LedgerEntry] = []

    init(recorder: any AuditRecorder, fingerprinter: TokenFingerprinter, counter: BarrierCounter, metrics: RuntimeMetrics, logger: Logger) {
        self.recorder = recorder
        self.fingerprinter = fingerprinter
        self.counter = counter
        self.metrics = metrics
        self.logger = logger
    }

    /// Entries whose steps had no outside effect: written by the next barrier.
    func queue(_ entries: LedgerEntry...) {
        queued += entries
    }

    /// Makes every queued entry, then `entries`, durable before the caller goes on to an
    /// outside effect. Nothing queued and nothing given: returns at once.
    func barrier(_ entries: LedgerEntry...) async throws(AgentError) {
        let batch = queued + entries
        queued = []
        guard !batch.isEmpty else { return }
        counter.add()
        let started = ContinuousClock.now
        do {
            try await recorder.append(contentsOf: batch)
            metrics.barrier(succeeded: true, duration: ContinuousClock.now - started)
        } catch {
            metrics.barrier(succeeded: false, duration: ContinuousClock.now - started)
            logger.error(
                "the ledger refused a barrier; the effect it guards is not taken",
                metadata: ["kinds": "\(batch.map(\.kind.rawValue))", "agent": "\(batch.last?.agent ?? "")"])
            throw .auditFailed(reason: "\(error)")
        }
    }

    /// One entry for a step at `position`, with the token's fingerprint (never the token);
    /// `user` is `nil` only for what an app does as itself (app-only tokens, API keys).
    nonisolated func entry(
        _ kind: LedgerEventKind, at position: ChainPosition, user: ChainUser?, agent: String, target: String? = nil, resource: String? = nil,
        operation: String? = nil, status: Int? = nil, decision: LedgerDecision? = nil, reason: String? = nil, token: Secret? = nil,
        fingerprint: TokenFingerprint? = nil, tokenSource: TokenSource? = nil, latency: Duration? = nil
    ) -> LedgerEntry {
        LedgerEntry(
            at: position, kind: kind, user: user, agent: agent, target: target, resource: resource, operation: operation, status: status,
            decision: decision, reason: reason, tokenFingerprint: (fingerprint ?? token.map { fingerprinter.fingerprint(of: $0.revealed) })?.hex,
            tokenSource: tokenSource, latency: latency)
    }
}

/// Barriers raised by a runtime, for `baton bench chain`'s barriers per chain.
final class BarrierCounter: Sendable {
    private let count = Atomic<Int>(0)

    func add() {
        count.wrappingAdd(1, ordering: .relaxed)
    }

    var value: Int { count.load(ordering: .relaxed) }
}
