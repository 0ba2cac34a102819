import BatonDevKit
import Foundation

/// Chains per second with one and with two daemons on one PostgreSQL database: the dev
/// stack with two daemons sharing the vault and the ledger, the same chain as
/// ``ChainBenchmark`` (user → concierge → triage → itsm → the ServiceNow emulator).
///
/// At each concurrency, rounds alternate between sending every chain to the first daemon
/// and spreading the clients over both, so that both meet the same host. Both daemons,
/// the dev IdP, the emulator and the clients run in this process; PostgreSQL runs beside it.
struct SharedChainBenchmark {
    let chains: Int
    let concurrency: [Int]
    let rounds: Int
    /// The stack, with `postgres` set and two daemons.
    let stack: DevStack

    func run() async throws -> [String] {
        try await stack.run { running in
            guard let second = running.otherDaemons.first else { throw CommandFailure(message: "the stack runs one daemon, not two") }
            let tenant = try TenantOptions.load(file: stack.tenantFile)
            let token = try await DevSignIn(tenant: tenant, idp: running.endpoints.idp).token(
                user: "jane@contoso.com", scope: "api://concierge/access_as_user")
            let invoke = { (daemon: String) in "\(daemon)/v1/agents/concierge/invoke" }
            let (one, two) = ([invoke(running.endpoints.baton)], [invoke(running.endpoints.baton), invoke(second)])
            var lines: [String] = []
            for level in concurrency {
                var rounds: (one: [ChainLoad.Result], two: [ChainLoad.Result]) = ([], [])
                try await ChainLoad.with(urls: one, token: token, connections: level) { oneLoad in
                    try await ChainLoad.with(urls: two, token: token, connections: level) { twoLoad in
                        // Warm: tokens cached on both daemons, connections open.
                        _ = try await oneLoad.run(chains: max(20, level), concurrency: level)
                        _ = try await twoLoad.run(chains: max(20, level * 2), concurrency: level)
                        for _ in 0..<self.rounds {
                            rounds.one.append(try await oneLoad.run(chains: max(chains, level * 4), concurrency: level))
                            rounds.two.append(try await twoLoad.run(chains: max(chains, level * 4), concurrency: level))
                        }
                    }
                }
                lines.append("one daemon,  " + Self.summary(rounds.one, concurrency: level))
                lines.append("two daemons, " + Self.summary(rounds.two, concurrency: level))
            }
            return lines
        }
    }

    /// The rounds' median rate and each round's, and the latencies of all of them.
    private static func summary(_ rounds: [ChainLoad.Result], concurrency: Int) -> String {
        var all = ChainLoad.Result(elapsed: .zero, chains: 0, chainLatency: [], hopSelf: [:])
        for round in rounds {
            all.elapsed += round.elapsed
            all.chains += round.chains
            all.chainLatency += round.chainLatency
            all.hopSelf.merge(round.hopSelf) { $0 + $1 }
        }
        let rates = rounds.map(\.rate).sorted()
        return all.summary(concurrency: concurrency)
            + String(
                format: " (median round %.0f chains/s; rounds: %@)", rates[rates.count / 2],
                rounds.map { String(format: "%.0f", $0.rate) }.joined(separator: ", "))
    }
}
