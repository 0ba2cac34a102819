import BatonStorage
import Logging
import PostgresNIO

/// Runs the ledger's indexer on one daemon at a time among those sharing a PostgreSQL
/// database. Every ``roundInterval`` each daemon opens a transaction and tries a
/// transaction-scoped advisory lock; the one that gets it catches the index up (with
/// batches any daemon appended) while holding it, the others skip the round. A daemon that
/// stops or loses the server gives up the lock with its transaction, so another takes over
/// at its next round. A query never waits for the indexer: it reads unindexed entries
/// directly.
public actor IndexerElection {
    private let database: PostgresStorage
    private let records: any LedgerRecordSource
    private let index: any LedgerIndexStore
    private let logger: Logger
    private var indexer: LedgerIndexer?
    /// Whether this daemon held the lock in its last round.
    public private(set) var isLeading = false

    public static let roundInterval = Duration.milliseconds(500)

    public init(database: PostgresStorage, records: any LedgerRecordSource, index: any LedgerIndexStore, logger: Logger) {
        self.database = database
        self.records = records
        self.index = index
        self.logger = logger
    }

    /// Contends every round until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await round()
            } catch {
                if Task.isCancelled { break }
                if isLeading {
                    logger.warning("the ledger indexer stopped; contending again", metadata: ["error": "\(PostgresStorage.describe(error))"])
                }
                isLeading = false
                indexer = nil
            }
            try? await Task.sleep(for: Self.roundInterval)
        }
    }

    /// One round: indexes if this daemon gets the lock.
    private func round() async throws {
        let key = database.lockKey("ledger indexer")
        let logger = logger
        let indexer = try await currentIndexer()
        let led = try await database.transaction { connection in
            let won =
                try await connection.rows("SELECT pg_try_advisory_xact_lock(\(key))", logger: logger).decode(Bool.self).elements().first ?? false
            guard won else { return false }
            try await indexer.catchUp()
            return true
        }
        if led && !isLeading { logger.info("this daemon indexes the ledger (it holds the indexer lock)") }
        isLeading = led
    }

    private func currentIndexer() async throws -> LedgerIndexer {
        if let indexer { return indexer }
        let opened = try await LedgerIndexer.open(records: records, index: index, logger: logger)
        indexer = opened
        return opened
    }
}
