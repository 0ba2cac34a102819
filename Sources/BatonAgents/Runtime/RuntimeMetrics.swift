import Foundation
import Metrics

/// What the agent runtime reports to `/metrics`: how long each agent's hops take (its own
/// work and everything it delegated, by outcome), and how long each ledger barrier —
/// the group commit that makes a hop's entries durable before an outside effect — takes.
struct RuntimeMetrics: Sendable {
    let factory: (any MetricsFactory)?

    /// `baton_agent_hop_duration_seconds{agent, outcome}`: `ok`, or the error's code.
    func hop(agent: String, outcome: String, duration: Duration) {
        guard let factory else { return }
        Timer(
            label: "baton_agent_hop_duration_seconds", dimensions: [("agent", agent), ("outcome", outcome)], preferredDisplayUnit: .seconds,
            factory: factory
        )
        .record(duration: duration)
    }

    /// `baton_ledger_barrier_duration_seconds{outcome}`: `ok` or `failed` (fail closed).
    func barrier(succeeded: Bool, duration: Duration) {
        guard let factory else { return }
        Timer(
            label: "baton_ledger_barrier_duration_seconds", dimensions: [("outcome", succeeded ? "ok" : "failed")], preferredDisplayUnit: .seconds,
            factory: factory
        )
        .record(duration: duration)
    }
}
