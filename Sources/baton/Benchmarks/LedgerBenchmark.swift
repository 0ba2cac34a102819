import BatonCore
import BatonLedger
import BatonStorage
import Foundation
import GRDB
import Logging

/// Durable appends per second with group commit, verification speed, and the latency of
/// "one user's last day" in a large ledger.
struct LedgerBenchmark {
    let dataDirectory: String?
    let appends: Int
    let tasks: Int
    let population: Int
    /// Print `acked N` as each append returns (for the crash test); slows the run.
    let reportAcks: Bool

    func run() async throws -> [String] {
        let root = dataDirectory ?? (NSTemporaryDirectory() + "baton-ledger-bench-\(UUID().uuidString)")
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: root) } }
        let directory = try DataDirectory.prepare(root)
        let logger = Logger(label: "bench")
        let database = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: logger)
        let index = try LedgerStore.openIndex(in: directory, busyTimeout: .seconds(5), logger: logger)
        let indexer = try await LedgerIndexer.open(entries: database, index: index)
        let signer = try CheckpointSigner.load(from: directory)
        let writer = try await LedgerWriter.open(database: database, signer: signer, onCommit: indexer.wake)
        let indexing = Task { await indexer.run() }
        var lines: [String] = []

        // The indexer runs beside the appenders, as in the daemon.
        let started = ContinuousClock.now
        try await append(appends, with: writer, users: 1_000, days: 0)
        let elapsed = ContinuousClock.now - started
        let perTransaction = Double(appends) / Double(max(await writer.batchesCommitted, 1))
        let lag = Int64(appends) - (await indexer.indexedThrough)
        lines.append(
            String(
                format: "durable appends: %.0f/s (%d appends, %d concurrent tasks, %.0f per transaction; indexer %lld behind at the end)",
                Double(appends) / elapsed.timeInterval, appends, tasks, perTransaction, lag))
        let indexStart = ContinuousClock.now
        try await indexer.catchUp()
        lines.append(
            String(
                format: "indexed appends and all: %.0f/s (the indexer caught up %.2f s after the last append)",
                Double(appends) / (ContinuousClock.now - started).timeInterval, (ContinuousClock.now - indexStart).timeInterval))

        if population > 0 {
            try await append(population, with: writer, users: 10_000, days: 30)
            try await indexer.catchUp()
            lines.append("population: \(appends + population) entries (10,000 users over 30 days)")
        }
        try await writer.checkpoint()
        indexer.finish()
        await indexing.value

        let rebuildStart = ContinuousClock.now
        let rebuilt = try await LedgerIndexer.rebuild(entries: database, index: index)
        let rebuildTime = ContinuousClock.now - rebuildStart
        lines.append(String(format: "index from scratch: %.0f entries/s (%lld entries)", Double(rebuilt) / rebuildTime.timeInterval, rebuilt))
        let reader = LedgerReader(entries: database, index: index)

        let verifyStart = ContinuousClock.now
        let report = try await LedgerVerifier(reader: database, publicKey: signer.publicKey).verify()
        let verifyTime = ContinuousClock.now - verifyStart
        lines.append(
            String(
                format: "verify: %.0f entries/s (%lld entries, intact: %@)", Double(report.entries) / verifyTime.timeInterval, report.entries,
                report.isIntact ? "yes" : "NO"))

        let user = Self.user(7)
        let sample = try await LatencySample.measure(count: 50) {
            _ = try LedgerQuery(user: user.objectID, since: Date().addingTimeInterval(-86_400), limit: 1_000).run(on: reader)
        }
        let found = try LedgerQuery(user: user.objectID, since: Date().addingTimeInterval(-86_400), limit: 1_000).run(on: reader).entries.count
        lines.append("one user's last day: \(sample.summary), \(found) entries found")
        try database.close()
        try index.close()
        return lines
    }

    /// `count` appends from `tasks` concurrent tasks, spread over `users` users and the last `days` days.
    private func append(_ count: Int, with writer: LedgerWriter, users: Int, days: Int) async throws {
        let perTask = count / tasks
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let span = Int64(days) * 86_400_000_000
        let people = (0..<users).map(Self.user)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask { [reportAcks] in
                    var generator = SystemRandomNumberGenerator()
                    for index in 0..<perTask {
                        let user = people[Int.random(in: 0..<users, using: &generator)]
                        // Live appends are stamped now; a population spreads history over `days`.
                        let timestamp =
                            span == 0 ? Int64(Date().timeIntervalSince1970 * 1_000_000) : now - Int64.random(in: 0..<span, using: &generator)
                        let entry = LedgerEntry(
                            timestamp: timestamp, chainID: ChainID.make(), hop: index % 4,
                            kind: .downstream, user: user, agent: "itsm", actorPath: ["concierge", "triage", "itsm"], target: "servicenow",
                            resource: "servicenow:incident/INC\(10_000 + index % 5_000)", operation: "GET /api/now/table/incident", status: 200,
                            decision: .allowed,
                            tokenFingerprint: "0123456789abcdef0123456789abcdef", tokenSource: "hot", latencyMicroseconds: 850)
                        let sequence = try await writer.append(entry)
                        if reportAcks { FileHandle.standardOutput.write(Data("acked \(sequence)\n".utf8)) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private static func user(_ index: Int) -> LedgerUser {
        LedgerUser(
            tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: String(format: "00000000-0000-4000-8000-%012d", index),
            username: "user\(index)@contoso.com")
    }
}
