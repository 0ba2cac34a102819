import AsyncHTTPClient
import BatonCore
import BatonDevKit
import BatonIdentity
import BatonLedger
import Foundation
import Logging
import NIOCore
import NIOPosix

/// End to end: chains per second and per-hop latency for user → concierge → triage →
/// itsm → the ServiceNow emulator over loopback HTTP, at several concurrencies, with the
/// ledger barriers and fsyncs each chain cost; the warm delegation hop on its own; and
/// the process's resident memory, idle, under sustained load and idle again after it.
///
/// Everything runs in this one process (the dev IdP and the emulator too), so the RSS
/// figures are an upper bound for the daemon alone.
struct ChainBenchmark {
    let chains: Int
    let concurrency: [Int]
    let peakConcurrency: Int
    let hops: Int
    let sustain: Duration
    let stack: DevStack
    /// The a2a-sdk agent as a middle hop, when its virtualenv is here.
    var middleHop: A2AMiddleHop?
    /// Only the HTTP chains at each concurrency, to compare builds or settings (tracing on and off).
    var chainsOnly = false

    func run() async throws -> [String] {
        try await stack.run { running in
            var lines = ["idle RSS after start: \(Memory.residentMegabytes()) MB"]
            let tenant = try TenantOptions.load(file: stack.tenantFile)
            let token = try await DevSignIn(tenant: tenant, idp: running.endpoints.idp).token(
                user: "jane@contoso.com", scope: "api://concierge/access_as_user")
            guard let runtime = await running.daemon.agentRuntime(), let ledger = await running.daemon.storage.ledger() else {
                throw CommandFailure(message: "the agent runtime is not running")
            }
            let url = "\(running.endpoints.baton)/v1/agents/concierge/invoke"
            // Each phase has its own client, closed after it, so no phase measures another's idle connections.
            try await ChainLoad.with(url: url, token: token, connections: concurrency.max() ?? 1) { load in
                _ = try await load.run(chains: 20, concurrency: 4)  // warm: tokens cached, connections open
                lines.append("idle RSS after warm-up: \(Memory.residentMegabytes()) MB")
                for level in concurrency {
                    let (barriers, fsyncs, cpu) = (runtime.barrierCount, await ledger.writer.batchesCommitted, CPUTime.used())
                    let result = try await load.run(chains: max(chains, level * 4), concurrency: level)
                    let perChain = { (count: Double) in count / Double(max(result.chains, 1)) }
                    lines.append(
                        result.summary(concurrency: level)
                            + String(
                                format: "; %.2f barriers and %.2f fsyncs per chain; %.3f ms CPU per chain",
                                perChain(Double(runtime.barrierCount - barriers)), perChain(Double(await ledger.writer.batchesCommitted - fsyncs)),
                                perChain((CPUTime.used() - cpu) / 1_000)))
                }
            }
            if chainsOnly { return lines }
            // The same chain entered as an A2A client enters it: SendMessage on the front door's JSON-RPC endpoint.
            let a2a = "\(running.endpoints.baton)/a2a/concierge"
            try await ChainLoad.with(url: a2a, token: token, connections: concurrency.max() ?? 1, entry: .a2a) { load in
                _ = try await load.run(chains: 20, concurrency: 4)
                for level in concurrency {
                    lines.append(
                        "  A2A SendMessage, " + (try await load.run(chains: max(chains, level * 4), concurrency: level)).summary(concurrency: level))
                }
            }
            lines.append(try await overhead(of: "A2A", url: a2a, entry: .a2a, against: url, token: token, clients: 16, rounds: 7))
            lines += try await mcpLines(running, tenant: tenant)
            if let agentcore = running.endpoints.agentcore {
                let forItsm = try await DevSignIn(tenant: tenant, idp: running.endpoints.idp).token(
                    user: "jane@contoso.com", client: "mcp-client", scope: "api://itsm/access_as_user")
                lines += try await AgentCoreBenchmark(endpoint: agentcore, userToken: forItsm, calls: chains, concurrency: concurrency).run()
            }
            lines += try await throughMiddleHop(running, tenant: tenant, token: token, url: url)
            if sustain > .zero {
                try await ChainLoad.with(url: url, token: token, connections: 16) { load in
                    let sampler = Task {
                        var samples: [Int] = []
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(10))
                            samples.append(Memory.residentMegabytes())
                        }
                        return samples
                    }
                    let sustained = try await load.run(for: sustain, concurrency: 16)
                    sampler.cancel()
                    let series = await sampler.value.map(String.init).joined(separator: ", ")
                    lines.append(
                        "after \(sustain.components.seconds) s of 16-client load (\(sustained.chains) chains): RSS \(Memory.residentMegabytes()) MB (every 10 s: \(series))"
                    )
                }
                try await Task.sleep(for: .seconds(10))
                lines.append("after 10 s idle: RSS \(Memory.residentMegabytes()) MB")
            }
            try await ChainLoad.with(url: url, token: token, connections: peakConcurrency) { load in
                _ = try await load.run(chains: peakConcurrency, concurrency: peakConcurrency)
                lines.append("\(peakConcurrency) concurrent chains: peak RSS \(Memory.peakMegabytes()) MB")
            }
            if sustain > .zero {
                try await Task.sleep(for: .seconds(15))
                lines.append("15 s after them: RSS \(Memory.residentMegabytes()) MB")
            }
            lines += try await HopBenchmark(running: running, token: token, calls: hops).run()
            return lines
        }
    }
}

extension ChainBenchmark {
    /// `entry` against `/v1` invoke at `clients` clients, in alternating rounds so that both
    /// meet the same load on a shared host: the median of each and their ratio, for
    /// throughput and for the process's CPU time per chain.
    func overhead(of label: String, url: String, entry: ChainLoad.Entry, against invoke: String, token: String, clients: Int, rounds: Int)
        async throws -> String
    {
        var rates: (invoke: [Double], other: [Double]) = ([], [])
        var cpu: (invoke: [Double], other: [Double]) = ([], [])
        let perRound = max(chains / 2, clients * 4)
        // One round's rate, and the process's CPU time per chain in it (every piece of the
        // stack runs in this process, so this is the whole cost of a chain, load included).
        let measured = { (load: ChainLoad) async throws -> (rate: Double, cpu: Double) in
            let before = CPUTime.used()
            let result = try await load.run(chains: perRound, concurrency: clients)
            return (result.rate, (CPUTime.used() - before) / Double(max(result.chains, 1)))
        }
        try await ChainLoad.with(url: invoke, token: token, connections: clients) { invokeLoad in
            try await ChainLoad.with(url: url, token: token, connections: clients, entry: entry) { otherLoad in
                for _ in 0..<rounds {
                    let (invokeRound, otherRound) = (try await measured(invokeLoad), try await measured(otherLoad))
                    rates.invoke.append(invokeRound.rate)
                    rates.other.append(otherRound.rate)
                    cpu.invoke.append(invokeRound.cpu)
                    cpu.other.append(otherRound.cpu)
                }
            }
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        return String(
            format:
                "  %@ overhead at %d clients, %d alternating rounds of %d: invoke median %.0f/s, %@ median %.0f/s: %+.1f %%; CPU per call (whole process) invoke %.0f µs, %@ %.0f µs: %+.1f %%",
            label, clients, rounds, perRound, median(rates.invoke), label, median(rates.other),
            (median(rates.invoke) / median(rates.other) - 1) * 100,
            median(cpu.invoke), label, median(cpu.other), (median(cpu.other) / median(cpu.invoke) - 1) * 100)
    }

    /// An MCP `tools/call` of `servicenow.query_incidents` at itsm against `/v1` invoke of
    /// itsm with the request that makes its rules brain call the same tool.
    func mcpLines(_ running: DevStack.Running, tenant: DevTenant) async throws -> [String] {
        let token = try await DevSignIn(tenant: tenant, idp: running.endpoints.idp).token(
            user: "jane@contoso.com", client: "mcp-client", scope: "api://itsm/access_as_user")
        let invoke = "\(running.endpoints.baton)/v1/agents/itsm/invoke"
        let mcp = "\(running.endpoints.baton)/mcp/itsm"
        var lines: [String] = []
        for (label, url, entry) in [("itsm /v1 invoke", invoke, ChainLoad.Entry.invoke), ("MCP tools/call", mcp, .mcp)] {
            try await ChainLoad.with(
                url: url, token: token, connections: concurrency.max() ?? 1, entry: entry, input: "Show me 5 incidents assigned to me"
            ) {
                load in
                _ = try await load.run(chains: 20, concurrency: 4)
                for level in concurrency {
                    lines.append(
                        "  \(label), " + (try await load.run(chains: max(chains, level * 4), concurrency: level)).summary(concurrency: level))
                }
            }
        }
        lines.append(try await overhead(of: "MCP", url: mcp, entry: .mcp, against: invoke, token: token, clients: 16, rounds: 7))
        return lines
    }

    /// The chain with the a2a-sdk agent in its middle: concierge → triage → a2a-sdk → itsm.
    func throughMiddleHop(_ running: DevStack.Running, tenant: DevTenant, token: String, url: String) async throws -> [String] {
        guard let middleHop else { return ["  through the a2a-sdk agent: skipped (no .venv/a2a: run scripts/interop-clients)"] }
        let agent = try await middleHop.start(stack: running, tenant: tenant)
        defer { agent.stop() }
        var lines: [String] = []
        try await ChainLoad.with(url: url, token: token, connections: 16, input: A2AMiddleHop.input) { load in
            _ = try await load.run(chains: 8, concurrency: 2)
            for level in [1, 16] {
                let result = try await load.run(chains: max(chains / 10, level * 4), concurrency: level)
                lines.append("  through the a2a-sdk agent (middle hop), " + result.summary(concurrency: level))
            }
        }
        return lines
    }
}

/// Many chains over HTTP from `concurrency` workers; latencies of whole chains and of each hop's own work.
struct ChainLoad {
    /// How a chain is entered: Baton's own invoke, or an A2A `SendMessage`.
    enum Entry {
        case invoke, a2a
        /// An MCP `tools/call` (2026-07-28) of `servicenow.query_incidents` with `limit` 5.
        case mcp
    }

    let client: HTTPClient
    /// Where chains are sent: worker *i* uses `urls[i % urls.count]` (several daemons).
    let urls: [String]
    let token: String
    var entry: Entry = .invoke
    var input = "Show me 5 incidents assigned to me"

    struct Result {
        var elapsed: Duration
        var chains: Int
        var chainLatency: [Int64]
        /// Per agent: the hop's time minus its child's (µs).
        var hopSelf: [String: [Int64]]

        var rate: Double { Double(chains) / elapsed.timeInterval }

        func summary(concurrency: Int) -> String {
            var line = String(
                format: "%4d concurrent: %.0f chains/s; chain p50 %.2f ms, p99 %.2f ms", concurrency, rate, percentile(chainLatency, 0.5) / 1000,
                percentile(chainLatency, 0.99) / 1000)
            for agent in ["concierge", "triage", "itsm", A2AMiddleHop.agent] {
                guard let values = hopSelf[agent] else { continue }
                line += String(format: "; %@ p50 %.0f µs p99 %.0f µs", agent, percentile(values, 0.5), percentile(values, 0.99))
            }
            return line
        }

        func percentile(_ values: [Int64], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))])
        }
    }

    /// Runs `body` with a load on its own client of `connections` connections, shut down after.
    static func with(
        url: String, token: String, connections: Int, entry: Entry = .invoke, input: String? = nil, _ body: (ChainLoad) async throws -> Void
    ) async throws {
        try await with(urls: [url], token: token, connections: connections, entry: entry, input: input, body)
    }

    /// Runs `body` with a load spread over `urls` on its own client, shut down after.
    static func with(
        urls: [String], token: String, connections: Int, entry: Entry = .invoke, input: String? = nil, _ body: (ChainLoad) async throws -> Void
    ) async throws {
        var configuration = HTTPClient.Configuration(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections + 4))
        // The load is the callers', not the daemon's: no span of its own in a traced run.
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        do {
            var load = ChainLoad(client: client, urls: urls, token: token, entry: entry)
            if let input { load.input = input }
            try await body(load)
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func run(chains: Int, concurrency: Int) async throws -> Result {
        let started = ContinuousClock.now
        let samples = try await withThrowingTaskGroup(of: [(Int64, [String: Int64])].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var samples: [(Int64, [String: Int64])] = []
                    var index = worker
                    while index < chains {
                        samples.append(try await one(worker: worker))
                        index += concurrency
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        var result = Result(elapsed: ContinuousClock.now - started, chains: samples.count, chainLatency: [], hopSelf: [:])
        for (latency, hops) in samples {
            result.chainLatency.append(latency)
            for (agent, value) in hops { result.hopSelf[agent, default: []].append(value) }
        }
        return result
    }

    /// As many chains as `concurrency` workers complete within `duration`.
    func run(for duration: Duration, concurrency: Int) async throws -> Result {
        let deadline = ContinuousClock.now + duration
        let started = ContinuousClock.now
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        _ = try await one(worker: worker)
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        return Result(elapsed: ContinuousClock.now - started, chains: counts, chainLatency: [], hopSelf: [:])
    }

    static let mcpCall =
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"servicenow.query_incidents","arguments":{"limit":5},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#

    private func one(worker: Int) async throws -> (Int64, [String: Int64]) {
        var request = HTTPClientRequest(url: urls[worker % urls.count])
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        switch entry {
        case .invoke:
            request.body = .bytes(ByteBuffer(bytes: JSONValue.object(["input": .string(input)]).serialized))
        case .a2a:
            request.headers.add(name: "A2A-Version", value: "1.0")
            request.body = .bytes(
                ByteBuffer(
                    string:
                        #"{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"\#(UUIDv7.make())","role":"ROLE_USER","parts":[{"text":"\#(input)"}]}}}"#
                ))
        case .mcp:
            for (name, value) in [
                ("Accept", "application/json, text/event-stream"), ("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"),
                ("Mcp-Name", "servicenow.query_incidents"),
            ] {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(string: Self.mcpCall))
        }
        let started = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 20)
        let latency = (ContinuousClock.now - started).microseconds
        guard response.status == .ok else { throw CommandFailure(message: "a chain failed with \(response.status.code): \(String(buffer: body))") }
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        if entry == .mcp {
            let result = object["result"] as? [String: Any]
            let incidents = (result?["structuredContent"] as? [String: Any])?["incidents"] as? [Any]
            guard result?["isError"] as? Bool == false, incidents?.count == 5 else {
                throw CommandFailure(message: "an MCP tool call did not return five incidents: \(String(buffer: body))")
            }
            return (latency, [:])
        }
        if entry == .a2a {
            let state = (((object["result"] as? [String: Any])?["task"] as? [String: Any])?["status"] as? [String: Any])?["state"] as? String
            guard state == "TASK_STATE_COMPLETED" else { throw CommandFailure(message: "an A2A chain did not complete: \(String(buffer: body))") }
            return (latency, [:])
        }
        let hops = (object["hops"] as? [[String: Any]] ?? []).sorted { ($0["hop"] as? Int ?? 0) < ($1["hop"] as? Int ?? 0) }
        var own: [String: Int64] = [:]
        for (index, hop) in hops.enumerated() {
            let inclusive = Int64(hop["latency_us"] as? Int ?? 0)
            let child = index + 1 < hops.count ? Int64(hops[index + 1]["latency_us"] as? Int ?? 0) : 0
            own[hop["agent"] as? String ?? "?"] = inclusive - child
        }
        return (latency, own)
    }
}

/// The CPU time this process has used, user and system, in microseconds.
enum CPUTime {
    static func used() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let micros = { (time: timeval) in Double(time.tv_sec) * 1_000_000 + Double(time.tv_usec) }
        return micros(usage.ru_utime) + micros(usage.ru_stime)
    }
}

/// The process's memory, from `/proc/self/status`.
enum Memory {
    static func residentMegabytes() -> Int { field("VmRSS:") / 1024 }
    static func peakMegabytes() -> Int { field("VmHWM:") / 1024 }

    private static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "0") ?? 0
    }
}
