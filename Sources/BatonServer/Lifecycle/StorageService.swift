import BatonConfig
import BatonStorage
import GRDB
import Logging
import ServiceLifecycle

/// Opens the vault and ledger databases when the daemon starts and closes them last.
///
/// Runs as a service beside the HTTP server so `/healthz` answers at once while
/// `/readyz` reports "starting" until every store is open and migrated. A store that
/// cannot be opened fails the service, which stops the daemon with the reason.
public final class StorageService: Service, Sendable {
    private let settings: StorageSettings
    private let readiness: Readiness
    private let logger: Logger
    private let opened = OpenedStores()

    public init(settings: StorageSettings, readiness: Readiness, logger: Logger) {
        self.settings = settings
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        do {
            let directory = try DataDirectory.prepare(settings.dataDirectory)
            for store in StoreName.allCases {
                let pool = try SQLiteStore.open(store, in: directory, busyTimeout: settings.busyTimeout, logger: logger)
                await opened.add(store, pool)
            }
            logger.info("stores open", metadata: ["data_dir": "\(directory.path)", "engine": "\(settings.engine.rawValue)"])
        } catch {
            await readiness.update(.failed(reason: "\(error)"))
            _ = await opened.closeAll()
            throw error
        }
        await readiness.update(.ready)
        try? await gracefulShutdown()
        await readiness.update(.stopping)
        for problem in await opened.closeAll() { logger.error("closing a store failed", metadata: ["reason": "\(problem)"]) }
        logger.info("stores closed")
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
        defer { pools.removeAll() }
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
