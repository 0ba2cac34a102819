import BatonCore
import BatonStorage
import Foundation
import Logging

/// A PostgreSQL schema of its own for one test, in the test cluster.
///
/// The cluster's URL comes from `BATON_TEST_POSTGRES_URL` (`.ci/run` sets it), else from
/// `.build/postgres/url`, which `scripts/postgres-cluster start` writes. Without either the
/// test fails: PostgreSQL tests never skip.
public enum PostgresTestDatabase {
    /// The test cluster's endpoint, with a fresh schema (created by the first migration).
    public static func endpoint(poolSize: Int = 8) throws -> PostgresEndpoint {
        let url = try clusterURL()
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw TestDatabaseError("the test cluster's URL is not postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return PostgresEndpoint(
            host: host, port: components.port ?? 5432, username: user, password: components.password.map(Secret.init),
            database: String(components.path.dropFirst()), schema: String(schema), tls: .disable, poolSize: poolSize)
    }

    /// A database on a fresh schema, migrated.
    public static func open(poolSize: Int = 8, logger: Logger = Logger(label: "baton.test.postgres")) async throws -> PostgresStorage {
        let database = try await PostgresStorage.open(try endpoint(poolSize: poolSize), logger: logger)
        try await PostgresMigrator.embedded().migrate(database)
        return database
    }

    /// Another connection pool on `database`'s schema: a second daemon on the same database.
    public static func reopen(_ database: PostgresStorage, poolSize: Int = 8) async throws -> PostgresStorage {
        var endpoint = database.endpoint
        endpoint.poolSize = poolSize
        return try await PostgresStorage.open(endpoint, logger: Logger(label: "baton.test.postgres"))
    }

    /// The cluster's URL.
    public static func clusterURL() throws -> String {
        if let url = ProcessInfo.processInfo.environment["BATON_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        let file = RepositoryPaths.path(".build/postgres/url")
        if let contents = FileManager.default.contents(atPath: file) {
            return String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        throw TestDatabaseError(
            "no PostgreSQL for the tests: BATON_TEST_POSTGRES_URL is unset and \(file) is missing — run scripts/postgres-cluster start")
    }
}

/// Why a test could not get its PostgreSQL database.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
