import BatonA2A
import BatonConfig
import BatonLedger
import BatonStorage
import BatonVault
internal import GRDB
import Logging
import Metrics
import ServiceLifecycle

/// Opens the vault and ledger databases when the daemon starts and closes them last.
///
/// While open it keeps the ledger's query index up to date (``LedgerIndexer``) and
/// sweeps the vault.
///
/// Runs as a service beside the HTTP server so `/healthz` answers at once while
/// `/readyz` reports "starting" until every store is open and migrated. A store that
/// cannot be opened fails the service, which stops the daemon with the reason.
public final class StorageService: Service, Sendable {
    private let settings: StorageSettings
    /// The ledger's origin as a transparency log (``StorageSettings/ledgerOrigin(publicURL:)``).
    private let origin: String
    private let vaultSettings: VaultSettings
    private let environment: [String: String]
    private let metrics: (any MetricsFactory)?
    private let readiness: Readiness
    private let logger: Logger
    private let opened = OpenedStores()

    public init(
        settings: StorageSettings, origin: String = LedgerWriter.defaultOrigin, vault: VaultSettings = .init(),
        environment: [String: String] = [:], metrics: (any MetricsFactory)? = nil, readiness: Readiness, logger: Logger
    ) {
        self.settings = settings
        self.origin = origin
        self.vaultSettings = vault
        self.environment = environment
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        let indexThread = BackgroundThread(name: "baton-indexer")
        defer { indexThread.finish() }
        let engine: OpenedEngine
        do {
            switch settings.engine {
            case .sqlite: engine = try await openSQLite(indexThread: indexThread)
            case .postgres: engine = try await openPostgres()
            }
            try await openLedger(engine)
            await opened.setTaskStore(engine.tasks)
            let interrupted = try await engine.tasks.endInterrupted { $0.task.endInterruptedByStop() }
            if interrupted > 0 {
                logger.warning("A2A tasks a stopped daemon left unfinished were ended as failed", metadata: ["tasks": "\(interrupted)"])
            }
            logger.info("stores open", metadata: ["engine": "\(settings.engine.rawValue)", "where": "\(engine.location)"])
        } catch {
            await readiness.update(.failed(reason: "\(error)"))
            for problem in await opened.closeAll() { logger.error("closing a store failed", metadata: ["reason": "\(problem)"]) }
            throw error
        }
        let vault = engine.vault
        await readiness.update(.ready)
        let indexer = await opened.indexer
        let indexing = Task { await indexer?.run() }
        // A quiet ledger's last entries are signed within storage.checkpoint_interval.
        let writer = await opened.ledger
        let tick = min(settings.checkpointInterval, .seconds(1))
        let checkpointing = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                await writer?.checkpointIfDue()
            }
        }
        let shared = engine.postgres.map { startSharedWork($0, engine: engine) } ?? []
        try? await cancelWhenGracefulShutdown { [vaultSettings, logger] in
            while !Task.isCancelled {
                try await Task.sleep(for: vaultSettings.sweepInterval)
                await Self.housekeeping(vault, logger: logger)
            }
        }
        checkpointing.cancel()
        await checkpointing.value
        await readiness.update(.stopping)
        logger.info("stopping: sweeping the vault and signing the ledger's last checkpoint")
        await Self.housekeeping(vault, logger: logger)
        logger.debug("stopping: the vault is swept")
        if let ledger = await opened.ledger {
            do {
                try await ledger.checkpoint()
            } catch {
                logger.error("cannot write the final ledger checkpoint", metadata: ["error": "\(error)"])
            }
        }
        logger.debug("stopping: the last checkpoint is signed")
        indexer?.finish()
        await indexing.value
        for task in shared { task.cancel() }
        for (index, task) in shared.enumerated() {
            await task.value
            logger.debug("stopping: background work \(index) ended")
        }
        logger.info("stopping: closing the stores")
        for problem in await opened.closeAll() { logger.error("closing a store failed", metadata: ["reason": "\(problem)"]) }
        logger.info("stores closed")
    }

    /// What an engine opened: the vault, the ledger's stores and signer, the task store.
    private struct OpenedEngine {
        var vault: TokenVault
        var records: any LedgerRecordStore
        var index: any LedgerIndexStore
        /// The indexer's own view of the stores (SQLite: on its lower-priority thread); `nil`
        /// when the indexer runs only while elected (PostgreSQL).
        var indexerStores: (records: any LedgerRecordSource, index: any LedgerIndexStore)?
        var signer: CheckpointSigner
        var tasks: any A2ATaskStore
        var postgres: PostgresStorage?
        /// Where the stores are, for the log.
        var location: String
    }

    /// The embedded engine: SQLite files in the data directory, which this daemon locks.
    private func openSQLite(indexThread: BackgroundThread) async throws -> OpenedEngine {
        let directory = try DataDirectory.prepare(settings.dataDirectory)
        guard let lock = try DirectoryLock(directory.file("vault.lock")) else {
            throw VaultError.locked(path: directory.file("vault.lock"))
        }
        await opened.hold(lock)
        for store in StoreName.allCases {
            let memory = SQLiteMemory(cacheKiB: settings.cacheKiB, indexCacheKiB: settings.indexCacheKiB, maximumReaders: settings.maximumReaders)
            let pool = try SQLiteStore.open(
                store, in: directory, busyTimeout: settings.busyTimeout, upgrade: LedgerStore.upgrade(for: store), memory: memory, logger: logger)
            await opened.add(store, pool)
        }
        let vault = try await TokenVault.open(
            in: directory, store: SQLiteVaultStore(database: await opened.pool(.vault)!), environment: environment,
            hotCapacity: vaultSettings.hotCapacity, metrics: metrics, logger: logger)
        let ledger = await opened.pool(.ledger)!
        let index = await opened.pool(.ledgerIndex)!
        return OpenedEngine(
            vault: vault, records: SQLiteLedgerRecords(database: ledger), index: SQLiteLedgerIndex(database: index),
            // The indexer reads, derives and writes on its own lower-priority thread.
            indexerStores: (SQLiteLedgerRecords(database: ledger, worker: indexThread), SQLiteLedgerIndex(database: index, worker: indexThread)),
            signer: try CheckpointSigner.load(from: directory), tasks: SQLiteA2ATaskStore(database: await opened.pool(.tasks)!), postgres: nil,
            location: directory.path)
    }

    /// The shared engine: a PostgreSQL database other daemons use too. Waits for it while it
    /// cannot be reached (readiness says so); refuses a login, migration or key problem.
    private func openPostgres() async throws -> OpenedEngine {
        guard let postgres = settings.postgres else { throw StorageError.postgres(endpoint: "(none)", reason: "storage.postgres is not set") }
        guard let sealingKey = try VaultKeyring.sealingKey(from: environment) else { throw VaultError.sharedKeyringNeedsKey }
        let endpoint = PostgresEndpoint(postgres)
        let database = try await connect(endpoint)
        await opened.setPostgres(database)
        let applied = try await PostgresMigrator.embedded().migrate(database)
        for migration in applied { logger.info("applied migration", metadata: ["migration": "\(migration.path)"]) }
        let vault = try await TokenVault.open(
            in: try DataDirectory.prepare(settings.dataDirectory),
            store: PostgresVaultStore(database: database), environment: environment, hotCapacity: vaultSettings.hotCapacity, metrics: metrics,
            logger: logger)
        return OpenedEngine(
            vault: vault, records: PostgresLedgerRecords(database: database), index: PostgresLedgerIndex(database: database), indexerStores: nil,
            signer: try await CheckpointSigner.load(from: database, sealingKey: sealingKey), tasks: PostgresA2ATaskStore(database: database),
            postgres: database, location: endpoint.displayName)
    }

    /// Opens the database, trying again while the server cannot be reached.
    private func connect(_ endpoint: PostgresEndpoint) async throws -> PostgresStorage {
        var delay = Duration.milliseconds(250)
        while true {
            do {
                return try await PostgresStorage.open(endpoint, logger: logger)
            } catch let error as StorageError {
                guard case .postgresUnreachable(_, let reason) = error else { throw error }
                await readiness.update(.starting(reason: "waiting for PostgreSQL: \(reason)"))
                logger.warning(
                    "PostgreSQL cannot be reached yet; trying again", metadata: ["database": "\(endpoint.displayName)", "error": "\(reason)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The ledger's writer, reader, transparency log and (SQLite) indexer on `engine`'s stores.
    private func openLedger(_ engine: OpenedEngine) async throws {
        await opened.setSigner(engine.signer)
        var opening: LedgerIndexer?
        if let stores = engine.indexerStores { opening = try await LedgerIndexer.open(records: stores.records, index: stores.index, logger: logger) }
        let indexer = opening
        let witnesses = try settings.witnesses.enumerated().map { index, witness in
            do {
                return WitnessClient(url: witness.url, key: try NoteVerifierKey(parsing: witness.key))
            } catch {
                throw LedgerError.malformedEvidence("storage.witnesses[\(index)].key: \(error)")
            }
        }
        let writer = try await LedgerWriter.open(
            store: engine.records, signer: engine.signer, checkpointInterval: settings.checkpointInterval,
            checkpointLog: settings.checkpointLog.map(CheckpointLog.init(path:)), origin: origin, witnesses: witnesses,
            onWitnessFailure: { [metrics] failure in
                guard let metrics else { return }
                Counter(
                    label: "baton_ledger_witness_failures_total", dimensions: [("witness", failure.witness), ("reason", failure.code)],
                    factory: metrics
                ).increment()
            }, logger: logger,
            onCommit: { sequence in indexer?.wake(through: sequence) })
        await opened.setVault(engine.vault)
        await opened.setLedger(
            writer, indexer: indexer, reader: LedgerReader(records: engine.records, index: engine.index),
            log: TransparencyLog(records: engine.records, publication: settings.ledgerPublish))
    }

    /// What daemons sharing a database do beside serving: follow other daemons' vault purges,
    /// say they are alive and end the tasks of daemons that are not, and index the ledger
    /// while elected to.
    private func startSharedWork(_ database: PostgresStorage, engine: OpenedEngine) -> [Task<Void, Never>] {
        let vault = engine.vault
        let logger = logger
        let purges = Task { await vault.followPurges() }
        let heartbeat = Task {
            guard let tasks = engine.tasks as? PostgresA2ATaskStore else { return }
            while !Task.isCancelled {
                do {
                    try await tasks.heartbeat()
                    let ended = try await tasks.endInterrupted { $0.task.endInterruptedByStop() }
                    if ended > 0 { logger.warning("A2A tasks of a daemon no longer seen were ended as failed", metadata: ["tasks": "\(ended)"]) }
                } catch {
                    logger.warning("cannot record this daemon's heartbeat", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: PostgresA2ATaskStore.heartbeatInterval)
            }
        }
        let election = IndexerElection(database: database, records: engine.records, index: engine.index, logger: logger)
        let indexing = Task { await election.run() }
        return [purges, heartbeat, indexing]
    }

    /// The ledger's signing key (checkpoints, delegation-chain assertions), once the stores are open.
    public func signer() async -> CheckpointSigner? {
        await opened.signer
    }

    /// The A2A task store, once the stores are open.
    public func tasks() async -> (any A2ATaskStore)? {
        await opened.taskStore
    }

    /// The token vault, once the stores are open.
    public func vault() async -> TokenVault? {
        await opened.vault
    }

    /// The ledger's transparency log (checkpoint and tiles), once the stores are open.
    public func transparencyLog() async -> TransparencyLog? {
        await opened.transparencyLog
    }

    /// The audit ledger's writer and a reader for queries, once the stores are open.
    public func ledger() async -> (writer: LedgerWriter, reader: LedgerReader)? {
        guard let writer = await opened.ledger, let reader = await opened.ledgerReader else { return nil }
        return (writer, reader)
    }

    /// Sweeps expired vault entries and saves lookup counters; failures are logged, not fatal.
    private static func housekeeping(_ vault: TokenVault, logger: Logger) async {
        do {
            let swept = try await vault.sweepExpired()
            try await vault.flushCounters()
            if swept > 0 { logger.info("swept expired vault entries", metadata: ["entries": "\(swept)"]) }
        } catch {
            logger.warning("vault housekeeping failed", metadata: ["error": "\(error)"])
        }
    }

    /// Problems with the open stores right now; empty when all answer a trivial query.
    public func problems() async -> [String] {
        await opened.problems()
    }

    /// The stores open right now, by name.
    public func openStores() async -> [StoreName] {
        await opened.names
    }
}

/// The databases opened so far; an actor because the service and `/readyz` share it.
private actor OpenedStores {
    private var pools: [(StoreName, DatabasePool)] = []
    private var lock: DirectoryLock?
    private(set) var vault: TokenVault?

    func hold(_ lock: DirectoryLock) {
        self.lock = lock
    }

    func setVault(_ vault: TokenVault) {
        self.vault = vault
    }

    private(set) var ledger: LedgerWriter?
    private(set) var signer: CheckpointSigner?
    /// The one task store, so that concurrent saves share commits.
    private(set) var taskStore: (any A2ATaskStore)?
    /// The shared database, when the engine is PostgreSQL.
    private var postgres: PostgresStorage?

    func setPostgres(_ database: PostgresStorage) {
        postgres = database
    }

    func setTaskStore(_ store: any A2ATaskStore) {
        taskStore = store
    }

    func setSigner(_ signer: CheckpointSigner) {
        self.signer = signer
    }
    private(set) var indexer: LedgerIndexer?
    private(set) var ledgerReader: LedgerReader?
    private(set) var transparencyLog: TransparencyLog?

    func setLedger(_ writer: LedgerWriter, indexer: LedgerIndexer?, reader: LedgerReader, log: TransparencyLog) {
        ledger = writer
        self.indexer = indexer
        ledgerReader = reader
        transparencyLog = log
    }

    func pool(_ store: StoreName) -> DatabasePool? {
        pools.first { $0.0 == store }?.1
    }

    var names: [StoreName] { postgres == nil ? pools.map(\.0) : StoreName.allCases }

    func add(_ store: StoreName, _ pool: DatabasePool) {
        pools.append((store, pool))
    }

    func problems() -> [String] {
        if let postgres { return postgres.unavailability.map { ["PostgreSQL: \($0)"] } ?? [] }
        return pools.compactMap { store, pool in
            do {
                _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
                return nil
            } catch {
                return "\(store.rawValue) store: \(error)"
            }
        }
    }

    /// Closes every store and returns what could not be closed cleanly.
    func closeAll() async -> [String] {
        if let postgres {
            await postgres.close()
            self.postgres = nil
        }
        defer {
            pools.removeAll()
            vault = nil
            ledger = nil
            indexer = nil
            ledgerReader = nil
            transparencyLog = nil
            lock = nil
            taskStore = nil
            signer = nil
        }
        return pools.compactMap { store, pool in
            do {
                try pool.close()
                return nil
            } catch {
                return "\(store.rawValue) store: \(error)"
            }
        }
    }
}
