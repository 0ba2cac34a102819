import BatonCore
internal import Crypto
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The PostgreSQL database every store uses when `storage.engine` is `postgres`: one
/// connection pool (postgres-nio's `PostgresClient`), run for as long as the database is open.
///
/// Every connection starts with `search_path` set to the endpoint's schema,
/// `synchronous_commit = on` (a commit returns once it is on disk, whatever the server's
/// default: the durability rule's barriers are commits) and the configured
/// `statement_timeout`.
///
/// A watch pings the server every ``healthInterval``. While it does not answer, every call
/// fails at once with ``StorageError/postgres(endpoint:reason:)`` (the HTTP API answers 503
/// with `Retry-After`, readiness reports it) instead of waiting for a connection; the first
/// answer after an outage makes the database available again, without a restart.
///
/// ```swift
/// let database = try await PostgresStorage.open(endpoint, logger: logger)
/// defer { Task { await database.close() } }
/// try await database.transaction { connection in try await connection.query("…", logger: logger) }
/// ```
public final class PostgresStorage: Sendable {
    public let endpoint: PostgresEndpoint
    public let client: PostgresClient
    public let logger: Logger
    private let running: Task<Void, Never>
    /// Why the server is taken for unreachable right now; `nil` while it answers.
    private let outage = Mutex<String?>(nil)
    private let watch = Mutex<Task<Void, Never>?>(nil)
    private let closing = Mutex(false)
    /// The health watch's own connection, outside the pool.
    private let healthConnection = Mutex<PostgresConnection?>(nil)
    /// How a connection outside the pool is opened (the first check, the health watch):
    /// built once, its TLS context included.
    private let singleConnection: PostgresConnection.Configuration

    /// How often the server is pinged. A ping may take the endpoint's connect timeout
    /// before the server is taken for unreachable (a refused connection fails at once).
    public static let healthInterval = Duration.milliseconds(500)

    private init(endpoint: PostgresEndpoint, logger: Logger) throws {
        self.endpoint = endpoint
        let client = PostgresClient(configuration: try Self.configuration(endpoint))
        self.client = client
        self.singleConnection = try Self.connectionConfiguration(endpoint)
        self.logger = logger
        // Detached: the pool must not inherit the caller's graceful-shutdown handler (a
        // daemon's service group), which would close it while the stores still write their
        // last checkpoint; close() ends it.
        running = Task.detached { await client.run() }
    }

    deinit {
        // Dropped without close(): the watch's connection must still be closed (an open
        // PostgresConnection must not be released).
        dropHealthConnection()
    }

    /// Why the database cannot be used right now (it did not answer the last ping); `nil` when it can.
    public var unavailability: String? {
        outage.withLock { $0 }
    }

    /// Pings the server every ``healthInterval`` until closed, recording whether it answers.
    ///
    /// On a connection of the watch's own, not one from the pool: a pool whose connections
    /// are all busy (a long read, a burst of requests) is not an unreachable server, and
    /// must not turn readiness off and every request into a 503.
    private func startWatch() {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.healthInterval)
                guard let self else { break }
                await self.checkHealth()
            }
        }
        watch.withLock { $0 = task }
    }

    private func checkHealth() async {
        let problem: String?
        let reusing = healthConnection.withLock { $0 != nil }
        do {
            do {
                try await ping()
            } catch  where reusing {
                // The watch's connection may have broken while the server is fine again
                // (a restart): one more try on a new one before the server counts as down.
                dropHealthConnection()
                try await ping()
            }
            problem = nil
        } catch {
            dropHealthConnection()
            problem = Self.describe(error)
        }
        guard !closing.withLock({ $0 }) else { return }
        let previous = outage.withLock { state in
            defer { state = problem }
            return state
        }
        switch (previous, problem) {
        case (nil, let problem?):
            logger.error(
                "PostgreSQL does not answer; requests fail with 503 until it does",
                metadata: ["database": "\(endpoint.displayName)", "error": "\(problem)"])
        case (_?, nil):
            logger.notice("PostgreSQL answers again", metadata: ["database": "\(endpoint.displayName)"])
        default: break
        }
    }

    /// `SELECT 1` on the watch's connection (opened when missing or closed), within the
    /// endpoint's connect timeout. The connection is kept in ``healthConnection`` the
    /// moment it opens, so one that opens after the deadline is still closed in the end.
    private func ping() async throws {
        let (configuration, logger) = (singleConnection, logger)
        try await withinConnectTimeout {
            var connection = self.healthConnection.withLock { $0 }
            if connection?.isClosed ?? true {
                let opened = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                let replaced = self.healthConnection.withLock { kept in
                    defer { kept = opened }
                    return kept
                }
                if let replaced { Task { try? await replaced.close() } }
                // close() sets `closing` before it drops the connection: whichever came
                // second closes this one.
                if self.closing.withLock({ $0 }) { self.dropHealthConnection() }
                connection = opened
            }
            try await connection?.rows("SELECT 1", logger: logger).drain()
        }
    }

    /// Closes the watch's connection (in the background: a dead server may not answer).
    private func dropHealthConnection() {
        if let connection = healthConnection.withLock({ $0.take() }) { Task { try? await connection.close() } }
    }

    /// Opens and closes one connection of its own, outside the pool: a refused login or a
    /// certificate that does not verify fails here at once and in words, where the pool
    /// would retry it until the deadline and report only that nothing answered.
    private func checkFirstConnection() async throws {
        let (configuration, logger) = (singleConnection, logger)
        try await withinConnectTimeout {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                try await connection.rows("SELECT 1", logger: logger).drain()
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// `work` within the endpoint's connect timeout, else unreachable.
    private func withinConnectTimeout(_ work: @escaping @Sendable () async throws -> Void) async throws {
        let (name, deadline) = (endpoint.displayName, endpoint.connectTimeout)
        try await withDeadline(deadline, expired: { StorageError.postgresUnreachable(endpoint: name, reason: "no answer within \(deadline)") }, work)
    }

    /// Throws at once while the server is taken for unreachable.
    private func requireAvailable() throws {
        if let problem = unavailability { throw StorageError.postgresUnreachable(endpoint: endpoint.displayName, reason: problem) }
    }

    /// Starts the pool and checks that the database answers.
    ///
    /// - Throws: ``StorageError/postgres(endpoint:reason:)`` when it cannot be reached or refuses the login.
    public static func open(_ endpoint: PostgresEndpoint, logger: Logger) async throws -> PostgresStorage {
        let database = try PostgresStorage(endpoint: endpoint, logger: logger)
        do {
            try await database.checkFirstConnection()
        } catch {
            await database.close()
            throw database.failure(error)
        }
        database.startWatch()
        return database
    }

    /// Opens the database, runs `body` on it and closes it, whether `body` throws or not
    /// (for commands that do one thing and exit).
    public static func using<T: Sendable>(
        _ endpoint: PostgresEndpoint, logger: Logger, _ body: (PostgresStorage) async throws -> T
    ) async throws -> T {
        let database = try await open(endpoint, logger: logger)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// Stops the pool: open connections close, later calls fail. Waits a few seconds at
    /// most for connections still in use (a query the server never answered).
    public func close() async {
        closing.withLock { $0 = true }
        watch.withLock { $0 }?.cancel()
        dropHealthConnection()
        running.cancel()
        let running = running
        _ = try? await withDeadline(.seconds(5), expired: { CancellationError() }) { await running.value }
    }

    /// How long one call may take before it fails as unreachable: the server's statement
    /// timeout plus the time to open a connection.
    public var callDeadline: Duration { endpoint.statementTimeout + endpoint.connectTimeout }

    /// Runs `body` in a transaction on one connection: committed when it returns, rolled
    /// back when it throws; fails after ``callDeadline``.
    ///
    /// - Throws: what `body` throws, or ``StorageError/postgres(endpoint:reason:)``.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try requireAvailable()
        return try await bounded {
            do {
                return try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                if let closure = error.closureError, !(closure is PSQLError) { throw closure }
                throw self.failure(error.closureError ?? error.beginError ?? error.commitError ?? error)
            } catch {
                throw self.failure(error)
            }
        }
    }

    /// Runs `body` on one connection, outside any transaction; fails after ``callDeadline``
    /// unless `bounded` is `false` (a connection held on purpose, such as a listener's).
    public func withConnection<T: Sendable>(bounded isBounded: Bool = true, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try requireAvailable()
        let work: @Sendable () async throws -> T = {
            do {
                return try await self.client.withConnection { connection in try await body(connection) }
            } catch let error as PSQLError {
                throw self.failure(error)
            }
        }
        return try await isBounded ? bounded(work) : work()
    }

    /// Runs one statement, outside any explicit transaction; fails after ``callDeadline``.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try requireAvailable()
        return try await bounded {
            do {
                return try await self.client.query(query, logger: self.logger)
            } catch {
                throw self.failure(error)
            }
        }
    }

    /// `work` within ``callDeadline``.
    private func bounded<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let (name, deadline) = (endpoint.displayName, callDeadline)
        return try await withDeadline(
            deadline, expired: { StorageError.postgresUnreachable(endpoint: name, reason: "no answer within \(deadline)") }, work)
    }

    /// A 64-bit advisory-lock key for `name` in this schema: daemons on the same schema
    /// contend for it, those on another schema of the same database do not.
    public func lockKey(_ name: String) -> Int64 {
        let digest = SHA256.hash(data: Data("baton|\(endpoint.schema)|\(name)".utf8))
        return digest.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
    }

    /// A notification channel for `name` in this schema (channels are per database).
    public func channel(_ name: String) -> String {
        "baton_\(endpoint.schema)_\(name)"
    }

    /// `error` as a ``StorageError`` that names the endpoint and never a password.
    public func failure(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        if let error = error as? PSQLError, let underlying = error.underlying, "\(underlying)".contains("CERTIFICATE_VERIFY_FAILED") {
            let trusted = endpoint.caFile.map { "the CA in ca_file \($0)" } ?? "the system's CAs (set ca_file to the server's CA)"
            return .postgres(
                endpoint: endpoint.displayName,
                reason:
                    "the server's TLS certificate does not verify: tls is verify-full, which trusts \(trusted) and needs the certificate to name \(endpoint.host)"
            )
        }
        if Self.isUnavailable(error) { return .postgresUnreachable(endpoint: endpoint.displayName, reason: Self.describe(error)) }
        return .postgres(endpoint: endpoint.displayName, reason: Self.describe(error))
    }

    /// What went wrong, in words: the server's SQLSTATE and message, or the client's error
    /// code. postgres-nio hides both from `description` (to keep query values out of logs);
    /// the message and code never carry bound values.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? StorageError {
            switch error {
            case .postgres(_, let reason), .postgresUnreachable(_, let reason): return reason
            default: return error.description
            }
        }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let server = error.serverInfo, let message = server[.message] {
            return "\(message) (SQLSTATE \(server[.sqlState] ?? "?"))"
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }

    /// Whether `error` says the database could not be reached or the connection broke
    /// (the request may be retried later), rather than that it refused the statement.
    public static func isUnavailable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed: return true
        case .server:
            // Class 08 (connection exception), 57P0x (shutdown, cannot connect now), 53 (insufficient resources).
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53")
        default: return false
        }
    }

    // MARK: - Configuration

    static func configuration(_ endpoint: PostgresEndpoint) throws -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password?.revealed,
            database: endpoint.database, tls: try tls(endpoint))
        configuration.options.maximumConnections = endpoint.poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = endpoint.connectTimeout
        configuration.options.additionalStartupParameters = startupParameters(endpoint)
        return configuration
    }

    /// One connection's configuration, the same as the pool's.
    private static func connectionConfiguration(_ endpoint: PostgresEndpoint) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch try tlsSettings(endpoint) {
        case nil: tls = .disable
        case let (settings, required)?:
            let context = try NIOSSLContext(configuration: settings)
            tls = required ? .require(context) : .prefer(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password?.revealed,
            database: endpoint.database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(
            endpoint.connectTimeout.components.seconds * 1_000_000_000 + endpoint.connectTimeout.components.attoseconds / 1_000_000_000)
        configuration.options.additionalStartupParameters = startupParameters(endpoint)
        return configuration
    }

    /// What every session starts with: its schema, durable commits, the statement timeout.
    private static func startupParameters(_ endpoint: PostgresEndpoint) -> [(String, String)] {
        [
            ("application_name", "baton"),
            ("search_path", endpoint.schema),
            ("synchronous_commit", "on"),
            (
                "statement_timeout",
                "\(endpoint.statementTimeout.components.seconds * 1_000 + endpoint.statementTimeout.components.attoseconds / 1_000_000_000_000_000)"
            ),
        ]
    }

    private static func tls(_ endpoint: PostgresEndpoint) throws -> PostgresClient.Configuration.TLS {
        switch try tlsSettings(endpoint) {
        case nil: .disable
        case let (settings, required)?: required ? .require(settings) : .prefer(settings)
        }
    }

    /// `nil` for plain TCP; else the TLS settings, and whether a server without TLS is refused.
    private static func tlsSettings(_ endpoint: PostgresEndpoint) throws -> (settings: TLSConfiguration, required: Bool)? {
        var unchecked = TLSConfiguration.makeClientConfiguration()
        unchecked.certificateVerification = .none
        switch endpoint.tls {
        case .disable: return nil
        case .prefer: return (unchecked, false)
        case .require: return (unchecked, true)
        case .verifyFull:
            var checked = TLSConfiguration.makeClientConfiguration()
            checked.certificateVerification = .fullVerification
            if let caFile = endpoint.caFile {
                do {
                    checked.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                } catch {
                    throw StorageError.postgres(
                        endpoint: endpoint.displayName, reason: "ca_file \(caFile) holds no readable PEM certificate: \(error)")
                }
            }
            return (checked, true)
        }
    }
}
