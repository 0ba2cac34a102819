import ArgumentParser
import BatonConfig
import BatonServer
import BatonStorage
import Foundation
import Logging

/// `baton bench …`: the figures in BENCHMARKS.md. Build with `-c release` for real numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Baton's hot paths (run as: swift run -c release baton bench …).",
        subcommands: [Verify.self, Vault.self, Ledger.self, Chain.self, Soak.self]
    )

    /// `baton bench ledger`: durable appends, verification, a user's last day.
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ledger durable appends/s, verify entries/s, and one user's last day among many entries.")

        @Option(name: .long, help: "Appends to time.") var appends = 200_000
        @Option(name: .long, help: "Concurrent appending tasks.") var tasks = 64
        @Option(name: .long, help: "Extra entries to fill the ledger with before the query (e.g. 10000000).") var population = 0
        @Option(name: .long, help: "Keep the ledger in this directory instead of a temporary one.") var dataDir: String?
        @Flag(name: .long, help: "Print 'acked N' as each append becomes durable.") var reportAcks = false
        @OptionGroup var database: PostgresBenchOptions

        func run() async throws {
            try await reportingFailures {
                var benchmark = LedgerBenchmark(
                    dataDirectory: dataDir, appends: appends, tasks: tasks, population: population, reportAcks: reportAcks)
                benchmark.postgres = try database.endpoint()
                for line in try await benchmark.run() { print(line) }
            }
        }
    }

    /// `baton bench soak`: a long mixed load, then the checks a long run must pass.
    struct Soak: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the demo mesh under a long mixed load and check the ledger, errors, memory and open files.",
            discussion: """
                Jane and Harriet ask for incidents, delegations are refused, Mallory meets an MFA challenge, ServiceNow \
                answers 429 and 503 now and then, and the IdP rotates its signing key twice. Exits 1 when a check fails: \
                the ledger must hold every chain sent exactly once, no outcome may be unexpected, RSS must be flat after \
                warm-up, no open file may be left behind, and the ledger must verify.
                """)

        @Option(name: .long, help: "Chains to run.") var chains = 10_000
        @Option(name: .long, help: "Concurrent clients.") var clients = 16
        @Option(name: .long, help: "Keep the stack's data (vault, ledger) in this directory instead of a temporary one.") var dataDir: String?
        @OptionGroup var files: StackOptions

        func run() async throws {
            try await reportingFailures {
                LoggingBootstrap.install(.init(level: .error))
                let root = dataDir ?? NSTemporaryDirectory() + "baton-soak-\(UUID().uuidString.prefix(8))"
                defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: root) } }
                var stack = files.stack(dataDirectory: root, logger: Logger(label: "soak"))
                stack.agentsDirectory = try SoakMesh.write(from: files.agents, into: root + "-mesh")
                stack.agentCoreExample = nil
                defer { try? FileManager.default.removeItem(atPath: root + "-mesh") }
                let report = try await SoakBenchmark(chains: chains, clients: clients, stack: stack).run()
                for line in report.lines { print(line) }
                guard report.passed else { throw CommandFailure(message: "the soak failed a check (FAIL above)") }
            }
        }
    }

    /// `baton bench chain`: the whole chain over HTTP, the warm hop, memory.
    struct Chain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Chains/s and per-hop latency for user → concierge → triage → itsm → ServiceNow emulator; the warm delegation hop; RSS.")

        @Option(name: .long, help: "Chains per concurrency level (at least 4 per client).") var chains = 2_000
        @Option(name: .long, parsing: .upToNextOption, help: "Concurrent clients to measure with.") var clients = [1, 16, 256]
        @Option(name: .long, help: "Concurrent chains for the peak-memory run.") var peak = 1_000
        @Option(name: .long, help: "Warm hops to time.") var hops = 5_000
        @Option(name: .long, help: "Seconds of 16-client load before RSS is read under load and again after 10 s idle (0 skips).")
        var sustain = 60
        @Option(
            name: .long, help: "The Python of the a2a-sdk virtualenv (scripts/interop-clients builds it), for the chain through an a2a-sdk agent.")
        var a2aPython = ".venv/a2a/bin/python"
        @Option(name: .long, help: "The a2a-sdk agent to put in the middle of that chain.")
        var a2aAgent = "Tests/BatonServerTests/Interop/a2a_echo_agent.py"
        @Option(name: .long, help: "With --postgres: alternating rounds per concurrency of one daemon and of two.") var rounds = 3
        @Flag(
            name: .long,
            help:
                "Only the chains over HTTP at each --clients level (no A2A, MCP, AgentCore, sustain, peak or warm hops): to compare builds or settings."
        )
        var chainsOnly = false
        @OptionGroup var files: StackOptions
        @OptionGroup(title: "On PostgreSQL: chains/s with one and with two daemons on the database (nothing else)")
        var database: PostgresBenchOptions

        func run() async throws {
            try await reportingFailures {
                LoggingBootstrap.install(.init(level: .error))
                let root = NSTemporaryDirectory() + "baton-chain-bench-\(UUID().uuidString.prefix(8))"
                defer { try? FileManager.default.removeItem(atPath: root) }
                var stack = files.stack(dataDirectory: root, logger: Logger(label: "bench"))
                if let postgres = try database.settings() {
                    (stack.postgres, stack.daemons, stack.agentCoreExample) = (postgres, 2, nil)
                    let benchmark = SharedChainBenchmark(chains: chains, concurrency: clients, rounds: rounds, stack: stack)
                    for line in try await benchmark.run() { print(line) }
                    return
                }
                let middleHop = try A2AMiddleHop.available(python: a2aPython, script: a2aAgent)
                if let middleHop, let app = try TenantOptions.load(file: stack.tenantFile).application(A2AMiddleHop.agent) {
                    // The data directory holds sealed tokens: it is the daemon's alone from the start.
                    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                    stack.agentsDirectory = try middleHop.mesh(from: stack.agentsDirectory, to: root + "/agents", clientID: app.appID)
                }
                var benchmark = ChainBenchmark(
                    chains: chains, concurrency: clients, peakConcurrency: peak, hops: hops, sustain: .seconds(sustain), stack: stack)
                benchmark.middleHop = middleHop
                benchmark.chainsOnly = chainsOnly
                for line in try await benchmark.run() { print(line) }
            }
        }
    }

    /// `baton bench vault`: lookup latency per tier and the broker's cost per exchange.
    struct Vault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vault hot-tier and store-hit latency, and broker overhead per exchange (IdP excluded).")

        @Option(name: .long, help: "Calls per measurement.")
        var calls = 20_000
        @OptionGroup var database: PostgresBenchOptions

        func run() async throws {
            try await reportingFailures {
                var benchmark = VaultBenchmark(calls: calls)
                benchmark.postgres = try database.endpoint()
                for line in try await benchmark.run() { print(line) }
            }
        }
    }

    /// `baton bench verify`: inbound token verifications per second, warm key cache.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "RS256 and ES256 token verifications per second with a warm key cache.")

        @Option(name: .long, help: "Seconds per measurement.")
        var seconds = 5

        @Option(name: .long, parsing: .upToNextOption, help: "Concurrent tasks to measure with.")
        var tasks = [1, 2]

        @OptionGroup var tenantOptions: TenantOptions

        func run() async throws {
            try await reportingFailures {
                #if DEBUG
                    FileHandle.standardError.write(Data("warning: a debug build; use swift run -c release for figures worth recording\n".utf8))
                #endif
                let benchmark = VerificationBenchmark(
                    throughput: Throughput(duration: .seconds(seconds)), concurrency: tasks, tenantFile: tenantOptions.config)
                for line in try await benchmark.run() { print(line) }
            }
        }
    }
}
