import BatonCore
import BatonLedger
import BatonServer
import BatonStorage
import Foundation
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

    /// A PostgreSQL database to run on instead of SQLite files (its schema must be empty).
    var postgres: PostgresEndpoint? = nil

    func run() async throws -> [String] {
        let root = dataDirectory ?? (NSTemporaryDirectory() + "baton-ledger-bench-\(UUID().uuidString)")
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: root) } }
        let directory = try DataDirectory.prepare(root)
        let logger = Logger(label: "bench")
        let indexThread = BackgroundThread(name: "baton-indexer")
        defer { indexThread.finish() }
        let records: any LedgerRecordStore
        let index: any LedgerIndexStore
        let indexer: LedgerIndexer
        let close: () async throws -> Void
        if let postgres {
            let database = try await PostgresStorage.open(postgres, logger: logger)
            try await PostgresMigrator.embedded().migrate(database)
            records = PostgresLedgerRecords(database: database)
            index = PostgresLedgerIndex(database: database)
            indexer = try await LedgerIndexer.open(records: records, index: index)
            close = { await database.close() }
        } else {
            let database = try LedgerStore.openEntries(in: directory, busyTimeout: .seconds(5), logger: logger)
            let indexDatabase = try LedgerStore.openIndex(in: directory, busyTimeout: .seconds(5), logger: logger)
            records = SQLiteLedgerRecords(database: database)
            index = SQLiteLedgerIndex(database: indexDatabase)
            indexer = try await LedgerIndexer.open(
                records: SQLiteLedgerRecords(database: database, worker: indexThread),
                index: SQLiteLedgerIndex(database: indexDatabase, worker: indexThread))
            close = {
                try database.close()
                try indexDatabase.close()
            }
        }
        let signer = try CheckpointSigner.load(from: directory)
        let writer = try await LedgerWriter.open(store: records, signer: signer, onCommit: indexer.wake)
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
            let populationStart = ContinuousClock.now
            try await append(population, with: writer, users: 10_000, days: 30)
            let appended = ContinuousClock.now - populationStart
            try await indexer.catchUp()
            let indexed = ContinuousClock.now - populationStart
            lines.append(
                String(
                    format: "population: %lld entries in all (10,000 users over 30 days); %.0f appends/s while growing, %.0f/s indexed",
                    Int64(appends + population), Double(population) / appended.timeInterval, Double(population) / indexed.timeInterval))
        }
        try await writer.checkpoint()
        indexer.finish()
        await indexing.value

        let rebuildStart = ContinuousClock.now
        let rebuilt = try await LedgerIndexer.rebuild(records: records, index: index)
        let rebuildTime = ContinuousClock.now - rebuildStart
        lines.append(String(format: "index from scratch: %.0f entries/s (%lld entries)", Double(rebuilt) / rebuildTime.timeInterval, rebuilt))
        let reader = LedgerReader(records: records, index: index)

        let verifyStart = ContinuousClock.now
        let report = try await LedgerVerifier(records: records, publicKey: signer.publicKey).verify()
        let verifyTime = ContinuousClock.now - verifyStart
        lines.append(
            String(
                format: "verify: %.0f entries/s (%lld entries, intact: %@)", Double(report.entries) / verifyTime.timeInterval, report.entries,
                report.isIntact ? "yes" : "NO"))

        lines += try await transparencyLog(records: records, size: report.entries)

        let user = Self.user(7)
        let sample = try await LatencySample.measure(count: 50) {
            _ = try await LedgerQuery(user: user.objectID, since: Date().addingTimeInterval(-86_400), limit: 1_000).run(on: reader)
        }
        let found = try await LedgerQuery(user: user.objectID, since: Date().addingTimeInterval(-86_400), limit: 1_000).run(on: reader).entries.count
        lines.append("one user's last day: \(sample.summary), \(found) entries found")
        lines += try await consolePages(reader: reader, user: user.objectID)
        try await close()
        return lines
    }

    /// The audit console's server time for its two heaviest pages, as an auditor: a chain
    /// (read, picture, entries table) and a user's day (the day's first page of entries,
    /// grouped into a timeline) — the same reads and templates `/console` serves.
    private func consolePages(reader: LedgerReader, user: String) async throws -> [String] {
        let renderer = ConsoleRenderer(reader: reader)
        let today = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let chains = Array(Set(try await LedgerQuery(user: user, limit: 1_000).run(on: reader).entries.map(\.chainID)))
        guard !chains.isEmpty else { return [] }
        var bytes = 0
        let chain = try await LatencySample.measure(count: 500) { bytes = try await renderer.chainPage(chains.randomElement()!).utf8.count }
        var dayBytes = 0
        let day = try await LatencySample.measure(count: 200) { dayBytes = try await renderer.userDayPage(user, day: today).utf8.count }
        return [
            "console chain page (one of \(chains.count) chains, \(bytes / 1_024) KiB): \(chain.summary)",
            "console user's day page (today, \(dayBytes / 1_024) KiB): \(day.summary)",
        ]
    }

    /// The transparency log's reads: an inclusion proof for a random entry, built from the
    /// stored tiles (a fresh tile cache each, as `baton audit prove` starts), and a random
    /// full tile served from the store and then from the cache.
    private func transparencyLog(records: any LedgerRecordSource, size: Int64) async throws -> [String] {
        guard size > 0 else { return [] }
        var lines: [String] = []
        let cold = try await LatencySample.measure(count: 1_000) {
            let index = Int64.random(in: 0..<size)
            let hashes = TileHashes(records: records)
            try await hashes.prefetch(inclusionOf: index, size: size)
            _ = try await MerkleProofs.inclusion(of: index, size: size, in: hashes)
        }
        lines.append("inclusion proof from the stored tiles, no cache, at \(size) entries: \(cold.summary)")
        // As `baton audit prove` or a daemon proves: full tiles cached (4,096), a bundle each.
        let log = TransparencyLog(records: records, publication: .hashes)
        if let covered = try await log.checkpoint()?.sequence, covered > 0 {
            let warm = try await LatencySample.measure(count: 2_000) { _ = try await log.prove([Int64.random(in: 1...covered)]) }
            lines.append("proof bundle (record, inclusion proof, checkpoint) at \(covered) entries, full tiles cached: \(warm.summary)")
        }
        let fullTiles = size / Int64(TileID.width)
        guard fullTiles > 0 else { return lines }
        let uncached = TransparencyLog(records: records, publication: .hashes, cachedTiles: 0)
        let cached = TransparencyLog(records: records, publication: .hashes, cachedTiles: 4_096)
        for (label, log, count) in [("from the store", uncached, 20_000), ("cached", cached, 200_000)] {
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for step in 0..<count / 4 {
                            let index = label == "cached" ? Int64(step % 1_024) % fullTiles : Int64.random(in: 0..<fullTiles)
                            _ = try await log.contents(of: TileID(level: 0, index: index))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            lines.append(String(format: "full tiles read (%@, 4 readers): %.0f/s", label, Double(count) / elapsed.timeInterval))
        }
        return lines
    }

    /// `count` appends from `tasks` concurrent tasks, spread over `users` users and the last `days` days.
    ///
    /// Each task writes chains as a three-agent chain does: five entries (inbound, exchange,
    /// delegate, tool call, downstream) under one chain id and user, the downstream one
    /// naming one of 5,000 incidents. A population's history is written in time order over
    /// `days`, as it would have been recorded.
    private func append(_ count: Int, with writer: LedgerWriter, users: Int, days: Int) async throws {
        let perTask = count / tasks
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let span = Int64(days) * 86_400_000_000
        let people = (0..<users).map(Self.user)
        let incidents = (0..<5_000).map { "servicenow:incident/INC\(10_000 + $0)" }
        let steps: [(LedgerEventKind, String, String?)] = [
            (.inbound, "concierge", nil), (.exchange, "concierge", "triage"), (.delegate, "triage", "triage"), (.toolCall, "itsm", "servicenow"),
            (.downstream, "itsm", "servicenow"),
        ]
        try await withThrowingTaskGroup(of: Void.self) { group in
            let chains = Int64(max(perTask / steps.count, 1) * tasks)
            for task in 0..<tasks {
                group.addTask { [reportAcks] in
                    var generator = SplitMix64()
                    var chain = ""
                    var user = people[0]
                    var timestamp = now
                    for index in 0..<perTask {
                        let step = index % steps.count
                        if step == 0 {
                            chain = ChainID.make()
                            user = people[Int.random(in: 0..<users, using: &generator)]
                            // Live appends are stamped now; a population spreads history over `days`.
                            let chainNumber = Int64(index / steps.count * tasks + task)
                            timestamp = span == 0 ? Int64(Date().timeIntervalSince1970 * 1_000_000) : now - span + chainNumber * (span / chains)
                        }
                        let (kind, agent, target) = steps[step]
                        let entry = LedgerEntry(
                            timestamp: timestamp + Int64(step) * 200, chainID: chain, hop: min(step, 2),
                            parentHop: step == 0 ? nil : min(step, 2) - 1,
                            kind: kind, user: user, agent: agent, actorPath: Array(["concierge", "triage", "itsm"].prefix(min(step, 2) + 1)),
                            target: target, resource: kind == .downstream ? incidents[Int.random(in: 0..<incidents.count, using: &generator)] : nil,
                            operation: kind == .downstream ? "GET /api/now/table/incident" : nil, status: 200, decision: .allowed,
                            tokenFingerprint: "0123456789abcdef0123456789abcdef", tokenSource: "hot", latencyMicroseconds: 850)
                        let sequence = try await writer.append(entry)
                        if reportAcks { FileHandle.standardOutput.write(Data("acked \(sequence)\n".utf8)) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private static func user(_ index: Int) -> ChainUser {
        ChainUser(
            tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: String(format: "00000000-0000-4000-8000-%012d", index),
            username: "user\(index)@contoso.com")
    }
}

/// A fast generator for picking users and incidents (no system call per draw).
private struct SplitMix64: RandomNumberGenerator {
    private var state = UInt64.random(in: .min ... .max)

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
