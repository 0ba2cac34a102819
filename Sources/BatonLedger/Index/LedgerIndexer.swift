import Foundation
import GRDB
internal import GRDBSQLite
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
/// let indexer = try await LedgerIndexer.open(entries: ledgerPool, index: indexPool)
/// let writer = try await LedgerWriter.open(store: SQLiteLedgerRecords(database: ledgerPool), signer: signer, onCommit: indexer.wake)
/// try await indexer.run()   // until cancelled
/// ```
public actor LedgerIndexer {
    private let entries: any DatabaseReader
    private let index: DatabasePool
    private let batchSize: Int
    private let pause: Duration
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wakeupContinuation: AsyncStream<Void>.Continuation
    /// Every entry up to here has its index rows.
    public private(set) var indexedThrough: Int64

    private init(entries: any DatabaseReader, index: DatabasePool, batchSize: Int, pause: Duration, logger: Logger, indexedThrough: Int64) {
        self.entries = entries
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
        entries: any DatabaseReader, index: DatabasePool, batchSize: Int = 65_536, pause: Duration = .milliseconds(250),
        logger: Logger = Logger(label: "baton.ledger.index")
    ) async throws -> LedgerIndexer {
        let ledger = try await entries.read { db in try LedgerIdentity.read(db) }
        let through = try await index.write { db -> Int64 in
            // Without a state row the rows describe nothing known: start from empty.
            if let state = try Row.fetchOne(db, sql: "SELECT ledger_instance, indexed_through FROM ledger_index_state") {
                let instance: String = state["ledger_instance"]
                let through: Int64 = state["indexed_through"]
                if instance == ledger.instance, through <= ledger.last { return through }
                logger.warning("the ledger index describes another ledger or a longer one; rebuilding it", metadata: ["ledger": "\(ledger.instance)"])
            }
            try db.execute(sql: "DELETE FROM ledger_index; DELETE FROM ledger_user_names")
            try db.execute(
                sql: "INSERT OR REPLACE INTO ledger_index_state (singleton, ledger_instance, indexed_through) VALUES (1, ?, 0)",
                arguments: [ledger.instance])
            return 0
        }
        return LedgerIndexer(entries: entries, index: index, batchSize: max(batchSize, 1), pause: pause, logger: logger, indexedThrough: through)
    }

    /// Clears the index and builds it again from every record; returns the entries indexed.
    public static func rebuild(entries: any DatabaseReader, index: DatabasePool, logger: Logger = Logger(label: "baton.ledger.index")) async throws
        -> Int64
    {
        try await index.write { db in try db.execute(sql: "DELETE FROM ledger_index_state") }
        return try await open(entries: entries, index: index, logger: logger).catchUp()
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
            var batch = try await entries.read { [batchSize] db in try IndexRows.read(db, after: from, limit: batchSize) }
            guard let last = batch.lastSequence else { return from }
            batch.sort()
            let rows = batch
            indexedThrough = try await index.write { db in try Self.insert(rows, through: last, after: from, into: db) }
        }
    }

    private func catchUpLogging() async {
        do {
            try await catchUp()
        } catch {
            logger.error("cannot index the ledger; queries read the unindexed entries directly", metadata: ["error": "\(error)"])
        }
    }

    /// Adds `rows` and moves the watermark from `from` to `last`, unless another indexer
    /// (a second process on the same data directory) moved it first; returns the watermark.
    private static func insert(_ rows: IndexRows, through last: Int64, after from: Int64, into db: Database) throws -> Int64 {
        let current = try Int64.fetchOne(db, sql: "SELECT indexed_through FROM ledger_index_state") ?? 0
        guard current == from else { return current }
        let statement = try db.makeStatement(sql: "INSERT OR IGNORE INTO ledger_index (dimension, day, key, ts_us, seq) VALUES (?, ?, ?, ?, ?)")
        let handle = statement.sqliteStatement
        for row in rows.rows {
            row.bind(to: handle)
            try db.stepToDone(handle)
        }
        let names = try db.cachedStatement(sql: "INSERT OR IGNORE INTO ledger_user_names (name, oid) VALUES (?, ?)")
        for user in rows.userNames { try names.execute(arguments: [user.name, user.objectID]) }
        try db.execute(sql: "UPDATE ledger_index_state SET indexed_through = ?", arguments: [last])
        return last
    }
}
