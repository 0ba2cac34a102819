import BatonCore
import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import Logging
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The durability rule under `kill -9`: a daemon (a child process) is killed at a random
/// moment while 8 clients run chains, again and again. Whatever ServiceNow saw and whatever
/// a client was answered must be in the ledger, the ledger must verify, and every chain's
/// durable entries must be a prefix of the chain in order.
@Suite("Crash durability: kill -9 while chains run loses no acknowledged entry and no effect", .serialized)
struct CrashDurabilityTests {
    static let rounds = 20
    static let clients = 8
    static let chain: [LedgerEventKind] = [.inbound, .exchange, .delegate, .exchange, .delegate, .toolCall, .exchange, .downstream]

    @Test("20 kills at random moments: every downstream request and every answer has its entries; the ledger verifies; no entry is out of order")
    func killNineWhileChainsRun() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let root = try TemporaryDirectory()
            defer { root.remove() }
            let data = root.file("data")
            let config = try root.write("baton.yaml", sn.daemonConfiguration(storage: "  data_dir: \(data)"))
            let token = try await sn.idp.signIn()
            await sn.emulator.recordTraces()
            var answered: [String] = []
            for round in 0..<Self.rounds {
                let daemon = BatonProcess(
                    ["serve", "--config", config, "--log-format", "json"],
                    environment: ["BATON_SERVER_LISTEN": "127.0.0.1:0", "BATON_SERVICENOW_URL": sn.url])
                try daemon.start()
                let line = try await daemon.waitForLine(containing: "\"msg\":\"listening\"")
                let url = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["url"] as? String)
                _ = try await httpGet(url + "/readyz", until: 200)
                // Late enough for a fresh process to answer its first chains (keys fetched, caches cold) on a busy machine.
                let killAfter = Duration.milliseconds(Int.random(in: 300...1_200))
                let chains = try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<Self.clients {
                        group.addTask { await Self.runChains(at: url, token: token) }
                    }
                    try await Task.sleep(for: killAfter)
                    daemon.signal(SIGKILL)
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                _ = try await daemon.stop(signal: SIGKILL)
                answered += chains
                _ = round
            }
            #expect(answered.count > Self.rounds, "chains were answered between the kills (\(answered.count))")

            let directory = try DataDirectory.prepare(data)
            let database = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
            let report = try await LedgerVerifier(
                records: SQLiteLedgerRecords(database: database), publicKey: try CheckpointSigner.load(from: directory).publicKey
            ).verify()
            #expect(report.isIntact, "\(report.problems)")
            let entries = try await LedgerQuery(limit: 1_000_000).run(on: LedgerReader(records: SQLiteLedgerRecords(database: database), index: nil))
                .entries
            let byChain = Dictionary(grouping: entries, by: \.chainID)

            let kinds = byChain.mapValues { $0.sorted { $0.sequence < $1.sequence }.map(\.kind) }
            let unrecordedAnswers = answered.filter { kinds[$0] != Self.chain }
            #expect(
                unrecordedAnswers.isEmpty,
                "\(unrecordedAnswers.count) answered chains are not whole in the ledger, e.g. \(unrecordedAnswers.prefix(3))")
            let outOfOrder = kinds.filter { Array(Self.chain.prefix($0.value.count)) != $0.value }
            #expect(outOfOrder.isEmpty, "chains whose entries are not a prefix of the chain in order: \(outOfOrder.prefix(3))")
            let traces = Set(entries.filter { $0.kind == .toolCall }.compactMap(\.traceID))
            let seen = await sn.emulator.statistics().traceIDs
            #expect(!seen.isEmpty)
            let unrecordedRequests = seen.filter { !traces.contains($0) }
            #expect(
                unrecordedRequests.isEmpty,
                "ServiceNow saw \(unrecordedRequests.count) of \(seen.count) requests with no tool call recorded before them, e.g. \(unrecordedRequests.prefix(3))"
            )
        }
    }

    /// Runs chains until the daemon stops answering; returns the ids of those answered.
    static func runChains(at url: String, token: String) async -> [String] {
        var answered: [String] = []
        while true {
            var request = URLRequest(url: URL(string: "\(url)/v1/agents/concierge/invoke")!, timeoutInterval: 10)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"input":"Show me 5 incidents assigned to me"}"#.utf8)
            guard let result = try? await httpRequest(request), result.status == 200, let chainID = result.json["chain_id"] as? String else {
                return answered
            }
            answered.append(chainID)
        }
    }
}
