import Foundation
import Logging

/// Keeps `ledger_index.sqlite` up to date with the ledger, off the append path.
///
/// Appends write one narrow row each and return when durable; the indexer then reads the
/// new records in large batches and adds their index rows in one transaction per batch,
/// sorted by key, so each index page is written once per batch rather than once per
/// append. Index keys lead with the entry's day, so new entries touch only today's part
/// of the index, however large the whole grows. Queries read the index up to its
/// watermark and the few newest records beyond it directly, so they never miss an entry
/// while the indexer catches up.
///
/// The index names the ledger it describes and how far; an index of another ledger, or
/// one ahead of its ledger (a restored backup), is cleared and rebuilt from the records.
///
/// ```swift
/// let records = SQLiteLedgerRecords(database: ledgerPool)
/// let indexer = try await LedgerIndexer.open(records: records, index: SQLiteLedgerIndex(database: indexPool))
/// let writer = try await LedgerWriter.open(store: records, signer: signer, onCommit: indexer.wake)
/// try await indexer.run()   // until cancelled
/// ```
public actor LedgerIndexer {
    private let records: any LedgerRecordSource
    private let index: any LedgerIndexStore
    private let batchSize: Int
    private let pause: Duration
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wakeupContinuation: AsyncStream<Void>.Continuation
    /// Every entry up to here has its index rows.
    public private(set) var indexedThrough: Int64

    private init(
        records: any LedgerRecordSource, index: any LedgerIndexStore, batchSize: Int, pause: Duration, logger: Logger, indexedThrough: Int64
    ) {
        self.records = records
        self.index = index
        self.batchSize = batchSize
        self.pause = pause
        self.logger = logger
        self.indexedThrough = indexedThrough
        (wakeups, wakeupContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Opens the indexer, clearing an index that does not describe this ledger.
    ///
    /// - Parameters:
    ///   - batchSize: records read and indexed per transaction (default 65,536).
    ///   - pause: how long ``run()`` lets appends accumulate after being woken (default
    ///     250 ms): fewer, larger batches write each index page fewer times and leave the
    ///     CPU to the appenders while they are busy. Queries never wait for it.
    public static func open(
        records: any LedgerRecordSource, index: any LedgerIndexStore, batchSize: Int = 65_536, pause: Duration = .milliseconds(250),
        logger: Logger = Logger(label: "baton.ledger.index")
    ) async throws -> LedgerIndexer {
        let ledger = try await records.identity()
        var through: Int64 = 0
        // Without a state the rows describe nothing known: start from empty.
        let state = try await index.state()
        if let state, state.ledgerInstance == ledger.instance, state.indexedThrough <= ledger.last {
            through = state.indexedThrough
        } else {
            if state != nil {
                logger.warning("the ledger index describes another ledger or a longer one; rebuilding it", metadata: ["ledger": "\(ledger.instance)"])
            }
            try await index.reset(describing: ledger.instance)
        }
        return LedgerIndexer(records: records, index: index, batchSize: max(batchSize, 1), pause: pause, logger: logger, indexedThrough: through)
    }

    /// Clears the index and builds it again from every record; returns the entries indexed.
    public static func rebuild(
        records: any LedgerRecordSource, index: any LedgerIndexStore, logger: Logger = Logger(label: "baton.ledger.index")
    ) async throws -> Int64 {
        try await index.forget()
        return try await open(records: records, index: index, logger: logger).catchUp()
    }

    /// Tells the indexer the ledger has grown; cheap, never waits. Pass to the writer's `onCommit`.
    public nonisolated func wake(through sequence: Int64) {
        wakeupContinuation.yield()
    }

    /// Indexes new entries whenever woken, until the task is cancelled; then catches up once more.
    public func run() async {
        await catchUpLogging()
        for await _ in wakeups {
            if Task.isCancelled { break }
            try? await Task.sleep(for: pause)
            await catchUpLogging()
        }
        await catchUpLogging()
    }

    /// Stops ``run()`` after a last catch-up.
    public nonisolated func finish() {
        wakeupContinuation.finish()
    }

    /// Indexes every entry durable now; returns the new watermark.
    @discardableResult
    public func catchUp() async throws -> Int64 {
        while true {
            let from = indexedThrough
            let batch = try await IndexRows.read(from: records, after: from, limit: batchSize)
            guard let last = batch.lastSequence else { return from }
            // Unless another indexer (a second process on the same data directory) moved it first.
            indexedThrough = try await index.add(batch, after: from, through: last)
        }
    }

    private func catchUpLogging() async {
        do {
            try await catchUp()
        } catch {
            logger.error("cannot index the ledger; queries read the unindexed entries directly", metadata: ["error": "\(error)"])
        }
    }
}
