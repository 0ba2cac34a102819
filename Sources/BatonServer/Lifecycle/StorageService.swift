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
        let vault: TokenVault
        do {
            let directory = try DataDirectory.prepare(settings.dataDirectory)
            guard let lock = try DirectoryLock(directory.file("vault.lock")) else {
                throw VaultError.locked(path: directory.file("vault.lock"))
            }
            await opened.hold(lock)
            for store in StoreName.allCases {
                let memory = SQLiteMemory(
                    cacheKiB: settings.cacheKiB, indexCacheKiB: settings.indexCacheKiB, maximumReaders: settings.maximumReaders)
                let pool = try SQLiteStore.open(
                    store, in: directory, busyTimeout: settings.busyTimeout, upgrade: LedgerStore.upgrade(for: store), memory: memory, logger: logger)
                await opened.add(store, pool)
            }
            vault = try await TokenVault.open(
                in: directory, store: SQLiteVaultStore(database: await opened.pool(.vault)!), environment: environment,
                hotCapacity: vaultSettings.hotCapacity,
                metrics: metrics,
                logger: logger)
            await opened.setVault(vault)
            let records = SQLiteLedgerRecords(database: await opened.pool(.ledger)!)
            let index = SQLiteLedgerIndex(database: await opened.pool(.ledgerIndex)!)
            // The indexer reads, derives and writes on its own lower-priority thread.
            let indexer = try await LedgerIndexer.open(
                records: SQLiteLedgerRecords(database: await opened.pool(.ledger)!, worker: indexThread),
                index: SQLiteLedgerIndex(database: await opened.pool(.ledgerIndex)!, worker: indexThread), logger: logger)
            let signer = try CheckpointSigner.load(from: directory)
            await opened.setSigner(signer)
            let witnesses = try settings.witnesses.enumerated().map { index, witness in
                do {
                    return WitnessClient(url: witness.url, key: try NoteVerifierKey(parsing: witness.key))
                } catch {
                    throw LedgerError.malformedEvidence("storage.witnesses[\(index)].key: \(error)")
                }
            }
            await opened.setLedger(
                try await LedgerWriter.open(
                    store: records, signer: signer, checkpointInterval: settings.checkpointInterval,
                    checkpointLog: settings.checkpointLog.map(CheckpointLog.init(path:)), origin: origin, witnesses: witnesses,
                    onWitnessFailure: { [metrics] failure in
                        guard let metrics else { return }
                        Counter(
                            label: "baton_ledger_witness_failures_total", dimensions: [("witness", failure.witness), ("reason", failure.code)],
                            factory: metrics
                        ).increment()
                    }, logger: logger,
                    onCommit: indexer.wake),
                indexer: indexer,
                reader: LedgerReader(records: records, index: index),
                log: TransparencyLog(records: records, publication: settings.ledgerPublish))
            let tasks = SQLiteA2ATaskStore(database: await opened.pool(.tasks)!)
            await opened.setTaskStore(tasks)
            let interrupted = try await tasks.endInterrupted { $0.task.endInterruptedByStop() }
            if interrupted > 0 {
                logger.warning("A2A tasks the last run left unfinished were ended as failed", metadata: ["tasks": "\(interrupted)"])
            }
            logger.info("stores open", metadata: ["data_dir": "\(directory.path)", "engine": "\(settings.engine.rawValue)"])
        } catch {
            await readiness.update(.failed(reason: "\(error)"))
            _ = await opened.closeAll()
            throw error
        }
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
        try? await cancelWhenGracefulShutdown { [vaultSettings, logger] in
            while !Task.isCancelled {
                try await Task.sleep(for: vaultSettings.sweepInterval)
                await Self.housekeeping(vault, logger: logger)
            }
        }
        checkpointing.cancel()
        await checkpointing.value
        await readiness.update(.stopping)
        await Self.housekeeping(vault, logger: logger)
        if let ledger = await opened.ledger {
            do {
                try await ledger.checkpoint()
            } catch {
                logger.error("cannot write the final ledger checkpoint", metadata: ["error": "\(error)"])
            }
        }
        indexer?.finish()
        await indexing.value
        for problem in await opened.closeAll() { logger.error("closing a store failed", metadata: ["reason": "\(problem)"]) }
        logger.info("stores closed")
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
    private(set) var taskStore: SQLiteA2ATaskStore?

    func setTaskStore(_ store: SQLiteA2ATaskStore) {
        taskStore = store
    }

    func setSigner(_ signer: CheckpointSigner) {
        self.signer = signer
    }
    private(set) var indexer: LedgerIndexer?
    private(set) var ledgerReader: LedgerReader?
    private(set) var transparencyLog: TransparencyLog?

    func setLedger(_ writer: LedgerWriter, indexer: LedgerIndexer, reader: LedgerReader, log: TransparencyLog) {
        ledger = writer
        self.indexer = indexer
        ledgerReader = reader
        transparencyLog = log
    }

    func pool(_ store: StoreName) -> DatabasePool? {
        pools.first { $0.0 == store }?.1
    }

    var names: [StoreName] { pools.map(\.0) }

    func add(_ store: StoreName, _ pool: DatabasePool) {
        pools.append((store, pool))
    }

    func problems() -> [String] {
        pools.compactMap { store, pool in
            do {
                _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
                return nil
            } catch {
                return "\(store.rawValue) store: \(error)"
            }
        }
    }

    /// Closes every store and returns what could not be closed cleanly.
    func closeAll() -> [String] {
        defer {
            pools.removeAll()
            vault = nil
            ledger = nil
            indexer = nil
            ledgerReader = nil
            transparencyLog = nil
            lock = nil
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
