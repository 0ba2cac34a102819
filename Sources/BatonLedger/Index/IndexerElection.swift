import BatonStorage
import Logging
import PostgresNIO

/// Runs the ledger's indexer on one daemon at a time among those sharing a PostgreSQL
/// database: the daemon holding a session advisory lock indexes; the others try again
/// every ``retryInterval`` and take over within that time when the holder stops (its
/// connection closes and the server releases the lock).
///
/// The leader catches the index up every ``roundInterval``, with batches any daemon
/// appended; a query never waits for it (it reads unindexed entries directly).
public actor IndexerElection {
    private let database: PostgresStorage
    private let records: any LedgerRecordSource
    private let index: any LedgerIndexStore
    private let logger: Logger
    /// Whether this daemon indexes now.
    public private(set) var isLeading = false

    public static let roundInterval = Duration.milliseconds(500)
    public static let retryInterval = Duration.seconds(5)

    public init(database: PostgresStorage, records: any LedgerRecordSource, index: any LedgerIndexStore, logger: Logger) {
        self.database = database
        self.records = records
        self.index = index
        self.logger = logger
    }

    /// Contends for the lock and indexes while holding it, until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await contend()
            } catch {
                if Task.isCancelled { break }
                logger.warning("the ledger indexer stopped; contending again", metadata: ["error": "\(PostgresStorage.describe(error))"])
            }
            setLeading(false)
            try? await Task.sleep(for: Self.retryInterval)
        }
    }

    /// One term: takes the lock if free and indexes until cancelled or the connection
    /// breaks, then releases it.
    private nonisolated func contend() async throws {
        let key = database.lockKey("ledger indexer")
        let logger = logger
        try await database.withConnection { connection in
            let won = try await connection.rows("SELECT pg_try_advisory_lock(\(key))", logger: logger).decode(Bool.self).elements().first ?? false
            guard won else { return }
            await self.setLeading(true)
            logger.info("this daemon indexes the ledger (it holds the indexer lock)")
            do {
                let indexer = try await LedgerIndexer.open(records: records, index: index, logger: logger)
                while !Task.isCancelled {
                    // A broken connection has lost the lock: stop before another leader starts.
                    try await connection.rows("SELECT 1", logger: logger).drain()
                    try await indexer.catchUp()
                    try? await Task.sleep(for: Self.roundInterval)
                }
            } catch {
                try? await connection.rows("SELECT pg_advisory_unlock(\(key))", logger: logger).drain()
                throw error
            }
            try await connection.rows("SELECT pg_advisory_unlock(\(key))", logger: logger).drain()
        }
    }

    private func setLeading(_ leading: Bool) {
        isLeading = leading
    }
}
