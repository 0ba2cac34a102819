import BatonCore
import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Several `baton serve` processes on one PostgreSQL database, with the dev IdP and the
/// ServiceNow emulator: one vault, one ledger, whichever daemon serves a chain.
@Suite("Daemons sharing one PostgreSQL database", .serialized)
struct SharedDatabaseTests {
    static let chain: [LedgerEventKind] = [.inbound, .exchange, .delegate, .exchange, .delegate, .toolCall, .exchange, .downstream]
    static let sealingKey = Data((0..<32).map { UInt8(($0 * 29 + 3) % 256) }).base64EncodedString()

    /// A configuration file for daemons on `endpoint`'s schema, each with its own data directory.
    private static func config(_ root: TemporaryDirectory, url: String, schema: String, sn: ServiceNowFixture) throws -> String {
        try root.write(
            "baton.yaml",
            sn.daemonConfiguration(
                storage: """
                      engine: postgres
                      postgres:
                        url: \(url)
                        schema: \(schema)
                        connect_timeout: 2s
                        statement_timeout: 5s
                    """))
    }

    /// Starts a daemon; returns it and its URL once ready.
    private static func start(config: String, dataDirectory: String, sn: ServiceNowFixture) async throws -> (BatonProcess, String) {
        let daemon = BatonProcess(
            ["serve", "--config", config, "--log-format", "json"],
            environment: [
                "BATON_SERVER_LISTEN": "127.0.0.1:0", "BATON_SERVICENOW_URL": sn.url, "BATON_VAULT_KEY": sealingKey,
                "BATON_STORAGE_DATA_DIR": dataDirectory,
            ])
        try daemon.start()
        let line = try await daemon.waitForLine(containing: "\"msg\":\"listening\"")
        let url = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["url"] as? String)
        _ = try await httpGet(url + "/readyz", until: 200)
        return (daemon, url)
    }

    /// Asks the concierge once; the chain id when answered 200, and the status.
    static func invoke(_ url: String, token: String) async -> (chain: String?, status: Int, retryAfter: String?) {
        var request = URLRequest(url: URL(string: "\(url)/v1/agents/concierge/invoke")!, timeoutInterval: 15)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"input":"Show me 5 incidents assigned to me"}"#.utf8)
        guard let result = try? await httpRequest(request) else { return (nil, 0, nil) }
        return (result.status == 200 ? result.json["chain_id"] as? String : nil, result.status, result.headers["retry-after"])
    }

    /// Verifies the schema's ledger and checks that every chain in `answered` is whole in it,
    /// and that sequence numbers run 1…n with no gap or duplicate.
    @discardableResult
    private static func checkLedger(_ endpoint: PostgresEndpoint, answered: [String]) async throws -> [LedgerEntry] {
        let database = try await PostgresStorage.open(endpoint, logger: Logger(label: "test"))
        let records = PostgresLedgerRecords(database: database)
        let signer = try await CheckpointSigner.load(from: database, sealingKey: .init(data: Data(base64Encoded: sealingKey)!))
        let report = try await LedgerVerifier(records: records, publicKey: signer.publicKey).verify()
        #expect(report.isIntact, "\(report.problems)")
        let entries = try await records.entries(after: 0, limit: 10_000_000)
        #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)), "no gap, no duplicate")
        let kinds = Dictionary(grouping: entries, by: \.chainID).mapValues { $0.sorted { $0.sequence < $1.sequence }.map(\.kind) }
        let missing = answered.filter { kinds[$0] != Self.chain }
        #expect(missing.isEmpty, "\(missing.count) answered chains are not whole in the ledger, e.g. \(missing.prefix(3))")
        await database.close()
        return entries
    }

    @Test("two daemons, 8 clients alternating: one ledger that verifies, every answered chain in it, no gap; N first requests, one exchange per hop")
    func twoDaemons() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let endpoint = try PostgresTestDatabase.endpoint()
            let config = try Self.config(root, url: try PostgresTestDatabase.clusterURL(), schema: endpoint.schema, sn: sn)
            let (first, firstURL) = try await Self.start(config: config, dataDirectory: root.file("a"), sn: sn)
            let (second, secondURL) = try await Self.start(config: config, dataDirectory: root.file("b"), sn: sn)
            let urls = [firstURL, secondURL]
            let token = try await sn.idp.signIn()

            // 16 concurrent first requests for Jane, spread over both daemons: each hop's
            // exchange (concierge → triage → itsm → ServiceNow) happens once.
            let before = await sn.provider.tokenRequestCount
            let firsts = await withTaskGroup(of: String?.self) { group in
                for index in 0..<16 { group.addTask { await Self.invoke(urls[index % 2], token: token).chain } }
                return await group.reduce(into: [String]()) { if let chain = $1 { $0.append(chain) } }
            }
            #expect(firsts.count == 16)
            let exchanges = await sn.provider.tokenRequestCount - before
            #expect(exchanges == 3, "one On-Behalf-Of exchange per hop for 16 requests on two daemons, not \(exchanges)")

            let stop = ContinuousClock.now + .seconds(4)
            let answered = await withTaskGroup(of: [(String, Int)].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var chains: [(String, Int)] = []
                        var turn = client
                        while ContinuousClock.now < stop {
                            if let chain = await Self.invoke(urls[turn % 2], token: token).chain { chains.append((chain, turn % 2)) }
                            turn += 1
                        }
                        return chains
                    }
                }
                return await group.reduce(into: [(String, Int)]()) { $0 += $1 }
            }
            #expect(Set(answered.map(\.1)) == [0, 1], "both daemons served chains")
            _ = try await first.stop()
            _ = try await second.stop()
            let entries = try await Self.checkLedger(endpoint, answered: firsts + answered.map(\.0))
            #expect(entries.count == (firsts.count + answered.count) * Self.chain.count)
            let inbound = Set(entries.filter { $0.kind == .inbound }.compactMap(\.tokenFingerprint))
            #expect(inbound.count == 1, "Jane's one token has one fingerprint, whichever daemon saw it: \(inbound.count)")
        }
    }

    @Test("kill -9 one daemon mid-load: the other carries on; nothing acknowledged is missing and the ledger verifies")
    func killOneDaemon() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let endpoint = try PostgresTestDatabase.endpoint()
            let config = try Self.config(root, url: try PostgresTestDatabase.clusterURL(), schema: endpoint.schema, sn: sn)
            let (victim, victimURL) = try await Self.start(config: config, dataDirectory: root.file("a"), sn: sn)
            let (survivor, survivorURL) = try await Self.start(config: config, dataDirectory: root.file("b"), sn: sn)
            let token = try await sn.idp.signIn()
            let killed = ContinuousClock.now + .seconds(2)
            let stop = killed + .seconds(3)
            let answered = try await withThrowingTaskGroup(of: [(String, Bool)].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var chains: [(String, Bool)] = []
                        while ContinuousClock.now < stop {
                            let url = client % 2 == 0 ? victimURL : survivorURL
                            if let chain = await Self.invoke(url, token: token).chain {
                                chains.append((chain, ContinuousClock.now > killed && url == survivorURL))
                            }
                        }
                        return chains
                    }
                }
                try await Task.sleep(until: killed)
                victim.signal(SIGKILL)
                return try await group.reduce(into: [(String, Bool)]()) { $0 += $1 }
            }
            _ = try await victim.stop(signal: SIGKILL)
            #expect(answered.contains { $0.1 }, "the surviving daemon answered chains after the kill")
            _ = try await survivor.stop()
            try await Self.checkLedger(endpoint, answered: answered.map(\.0))
        }
    }

    @Test(
        "PostgreSQL stopped mid-load and started again: 503 with Retry-After meanwhile, readiness flips, recovery without a restart, nothing acknowledged lost"
    )
    func databaseOutage() async throws {
        try await PrivatePostgresCluster.with { cluster in try await outage(cluster) }
    }

    private func outage(_ cluster: PrivatePostgresCluster) async throws {
        let url = cluster.url
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            var endpoint = try PostgresTestDatabase.endpoint()
            let components = try #require(URLComponents(string: url))
            endpoint.port = try #require(components.port)
            endpoint.password = components.password.map(Secret.init)
            let config = try Self.config(root, url: url, schema: endpoint.schema, sn: sn)
            let (first, firstURL) = try await Self.start(config: config, dataDirectory: root.file("a"), sn: sn)
            let (second, secondURL) = try await Self.start(config: config, dataDirectory: root.file("b"), sn: sn)
            let urls = [firstURL, secondURL]
            let token = try await sn.idp.signIn()
            // Four clients keep asking both daemons through the outage.
            let running = RunningFlag()
            let load = Task {
                await withTaskGroup(of: [(String?, Int)].self) { group in
                    for client in 0..<4 {
                        group.addTask {
                            var results: [(String?, Int)] = []
                            var turn = client
                            while running.isOn {
                                let result = await Self.invoke(urls[turn % 2], token: token)
                                results.append((result.chain, result.status))
                                turn += 1
                                if result.status != 200 { try? await Task.sleep(for: .milliseconds(50)) }
                            }
                            return results
                        }
                    }
                    return await group.reduce(into: [(String?, Int)]()) { $0 += $1 }
                }
            }
            try await Task.sleep(for: .seconds(1))
            let paused = try await cluster.run("pause")
            #expect(paused.status == 0, "\(paused.output)")
            for url in urls { _ = try await httpGet(url + "/readyz", until: 503, timeout: .seconds(15)) }
            let during = await Self.invoke(firstURL, token: token)
            #expect(during.status == 503, "a request while PostgreSQL is down gets 503")
            #expect(during.retryAfter != nil)

            let resumed = try await cluster.run("resume")
            #expect(resumed.status == 0, "\(resumed.output)")
            for url in urls { _ = try await httpGet(url + "/readyz", until: 200, timeout: .seconds(30)) }
            try await Task.sleep(for: .seconds(1))
            running.turnOff()
            let results = await load.value
            #expect(results.contains { $0.1 == 503 }, "the clients saw 503s during the outage")
            #expect(!results.contains { $0.1 != 200 && $0.1 != 503 }, "nothing but 200 and 503: \(Set(results.map(\.1)))")
            var answered = results.compactMap(\.0)
            for url in urls {
                let after = await Self.invoke(url, token: token)
                #expect(after.status == 200, "the daemon recovered without a restart")
                answered += [after.chain].compactMap { $0 }
            }
            _ = try await first.stop()
            _ = try await second.stop()
            try await Self.checkLedger(endpoint, answered: answered)
        }
    }
}

/// A switch the load's clients read, shared across tasks.
final class RunningFlag: Sendable {
    private let state = Mutex(true)

    var isOn: Bool { state.withLock { $0 } }

    func turnOff() {
        state.withLock { $0 = false }
    }
}
