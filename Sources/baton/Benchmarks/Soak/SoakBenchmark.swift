import AsyncHTTPClient
import BatonCore
import BatonDevKit
import BatonLedger
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `baton bench soak`: the demo mesh under a long mixed load — Jane and Harriet asking for
/// incidents, delegations the policy refuses, MFA challenges, ServiceNow answering 429 and
/// 503 now and then, the IdP rotating its signing key twice mid-run — and then the checks
/// a long run must pass: every chain in the ledger exactly once, no error outside the
/// expected ones, memory flat after warm-up, no open file left behind, a ledger that verifies.
struct SoakBenchmark {
    let chains: Int
    let clients: Int
    let stack: DevStack
    /// Chains between two pairs of injected ServiceNow faults (one 429, one 503).
    var faultEvery = 250

    /// One kind of request in the mix.
    struct Scenario: Sendable {
        let name: String
        let user: String
        let input: String
        /// Outcome codes this scenario may meet (`ok` for a 200).
        let expected: Set<String>
    }

    /// Twenty requests, repeated: 70 % incident lookups (Jane, Harriet), 10 % denied
    /// delegations, 5 % MFA challenges, 15 % one incident by number.
    static let mix: [Scenario] = {
        let faults: Set<String> = ["throttled", "downstream_unavailable", "downstream_error"]
        let list = Scenario(
            name: "jane: incidents", user: "jane@contoso.com", input: "Show me 5 incidents assigned to me", expected: faults.union(["ok"]))
        let harriet = Scenario(
            name: "harriet: incidents", user: "harriet@contoso.com", input: "Show me 5 incidents assigned to me", expected: faults.union(["ok"]))
        let loop = Scenario(name: "jane: denied delegation", user: "jane@contoso.com", input: SoakMesh.loopRequest, expected: ["delegation_cycle"])
        let mfa = Scenario(
            name: "mallory: MFA challenge", user: "mallory@contoso.com", input: "Show me 5 incidents assigned to me", expected: ["claims_challenge"])
        let one = Scenario(name: "jane: one incident", user: "jane@contoso.com", input: "Show me INC0012345", expected: faults.union(["ok"]))
        return Array(repeating: list, count: 11) + Array(repeating: harriet, count: 3) + [loop, loop, mfa] + Array(repeating: one, count: 3)
    }()

    func run() async throws -> SoakReport {
        try await stack.run { running in
            var report = SoakReport(chains: chains, clients: clients)
            let tenant = try TenantOptions.load(file: stack.tenantFile)
            let signIn = DevSignIn(tenant: tenant, idp: running.endpoints.idp)
            let tokens = Tokens(try await Self.signInAll(signIn))
            let url = "\(running.endpoints.baton)/v1/agents/concierge/invoke"
            let client = HTTPClient(
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients + 4)))
            do {
                try await load(running, client: client, url: url, tokens: tokens, signIn: signIn, into: &report)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            try await Task.sleep(for: .seconds(2))
            report.openFilesAfter = OpenFiles.count()
            report.rss.append((chains, Memory.residentMegabytes()))

            guard let ledger = await running.daemon.storage.ledger(), let signer = await running.daemon.storage.signer() else {
                throw CommandFailure(message: "the daemon's ledger is not open")
            }
            report.ledger = try await SoakLedgerCount.count(ledger.reader.records)
            let verified = try await LedgerVerifier(records: ledger.reader.records, publicKey: signer.publicKey).verify()
            report.verified = verified.isIntact ? "intact (\(verified.entries) entries, \(verified.checkpoints) checkpoints)" : "\(verified.problems)"
            report.intact = verified.isIntact
            return report
        }
    }

    /// The warm-up and the measured load, with faults and key rotations on the way.
    private func load(
        _ running: DevStack.Running, client: HTTPClient, url: String, tokens: Tokens, signIn: DevSignIn, into report: inout SoakReport
    ) async throws {
        // Warm-up at full concurrency: keys fetched, tokens cached, every pool filled.
        let warm = Outcomes()
        try await Self.drive(count: clients * 4, clients: clients, url: url, client: client, tokens: tokens, outcomes: warm)
        try await Task.sleep(for: .seconds(1))
        report.openFilesBefore = OpenFiles.count()
        report.rss.append((0, Memory.residentMegabytes()))

        let outcomes = Outcomes()
        let progress = SharedCounter()
        let started = ContinuousClock.now
        let sampler = Task {
            var samples: [(Int, Int)] = []
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                samples.append((progress.value, Memory.residentMegabytes()))
            }
            return samples
        }
        let rotations = [chains / 2, chains / 2 + clients * 25]
        let rotated = SharedCounter()
        try await Self.drive(count: chains, clients: clients, url: url, client: client, tokens: tokens, outcomes: outcomes) { index in
            progress.set(index)
            if index % faultEvery == faultEvery / 2 {
                await running.emulator.inject(.rateLimited(retryAfter: 1))
                await running.emulator.inject(.serverError(status: 503))
            }
            if rotations.contains(index) {
                // A new signing key; everyone signs in again, so new tokens carry its kid.
                try await running.provider.rotateSigningKey()
                tokens.replace(try await Self.signInAll(signIn))
                rotated.increment()
            }
        }
        report.elapsed = ContinuousClock.now - started
        sampler.cancel()
        report.rss += await sampler.value
        report.rotations = rotated.value
        report.outcomes = outcomes.counts
        report.warmUpOutcomes = warm.counts
        report.unexpected = outcomes.unexpected
    }

    /// Every user of the mix signed in at the concierge.
    static func signInAll(_ signIn: DevSignIn) async throws -> [String: String] {
        var tokens: [String: String] = [:]
        for user in Set(mix.map(\.user)) {
            tokens[user] = try await signIn.token(user: user, scope: "api://concierge/access_as_user")
        }
        return tokens
    }

    /// Runs chains `0..<count` on `clients` workers; `before` runs before chain `index` is sent.
    static func drive(
        count: Int, clients: Int, url: String, client: HTTPClient, tokens: Tokens, outcomes: Outcomes,
        before: @escaping @Sendable (Int) async throws -> Void = { _ in }
    ) async throws {
        let next = SharedCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while true {
                        let index = next.increment()
                        guard index < count else { return }
                        try await before(index)
                        let scenario = mix[index % mix.count]
                        let outcome = await one(scenario, url: url, client: client, token: tokens[scenario.user])
                        outcomes.record(outcome, for: scenario)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One chain: `ok`, the error body's code, or what went wrong on the way.
    static func one(_ scenario: Scenario, url: String, client: HTTPClient, token: String) async -> String {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONValue.object(["input": .string(scenario.input)]).serialized))
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            if response.status == .ok { return "ok" }
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            return ((object?["error"] as? [String: Any])?["code"] as? String) ?? "http_\(response.status.code)"
        } catch {
            return "transport: \(String(describing: type(of: error)))"
        }
    }
}

extension SoakBenchmark {
    /// The current token of each user; replaced at a key rotation.
    final class Tokens: Sendable {
        private let tokens: Mutex<[String: String]>
        init(_ tokens: [String: String]) { self.tokens = Mutex(tokens) }
        subscript(user: String) -> String { tokens.withLock { $0[user] ?? "" } }
        func replace(_ new: [String: String]) { tokens.withLock { $0 = new } }
    }

    /// Outcomes by code, and those a scenario did not expect.
    final class Outcomes: Sendable {
        private let state = Mutex<(counts: [String: Int], unexpected: [String: Int])>(([:], [:]))
        func record(_ outcome: String, for scenario: Scenario) {
            state.withLock {
                $0.counts[outcome, default: 0] += 1
                if !scenario.expected.contains(outcome) { $0.unexpected["\(scenario.name) → \(outcome)", default: 0] += 1 }
            }
        }
        var counts: [String: Int] { state.withLock { $0.counts } }
        var unexpected: [String: Int] { state.withLock { $0.unexpected } }
    }
}

/// An integer several tasks share.
final class SharedCounter: Sendable {
    private let atomic = Atomic<Int>(0)
    /// Adds one; the value before.
    @discardableResult func increment() -> Int { atomic.add(1, ordering: .relaxed).oldValue }
    func set(_ value: Int) { atomic.store(value, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}

/// This process's open file descriptors.
enum OpenFiles {
    static func count() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }
}
