import Foundation
import Testing

/// A PostgreSQL cluster of a test's own (`scripts/postgres-cluster` in a directory of its
/// own): one the test may stop and start again, or serve TLS from. Deleted afterwards.
public struct PrivatePostgresCluster: Sendable {
    /// The cluster's URL (`postgres://…?sslmode=disable`).
    public let url: String
    private let script: String
    private let environment: [String: String]

    /// Starts a cluster (serving TLS too with `tls`, a directory holding `server.pem` and
    /// `server-key.pem`), runs `body` with it, then stops it and deletes its files.
    public static func with<T>(tls: String? = nil, _ body: (PrivatePostgresCluster) async throws -> T) async throws -> T {
        // In /tmp itself: the server runs as the unprivileged postgres user, who cannot
        // enter a test's private temporary directory.
        var environment = ["POSTGRES_CLUSTER_DIR": "/tmp/baton-pg-\(UUID().uuidString.prefix(8))"]
        if let tls { environment["POSTGRES_CLUSTER_TLS"] = tls }
        let script = RepositoryPaths.path("scripts/postgres-cluster")
        let started = try await ChildProcess.run(script, ["start"], environment: environment)
        #expect(started.status == 0, "\(started.output)")
        let url = try #require(started.output.split(separator: "\n").last.map(String.init))
        let cluster = PrivatePostgresCluster(url: url, script: script, environment: environment)
        do {
            let result = try await body(cluster)
            _ = try await cluster.run("stop")
            return result
        } catch {
            _ = try? await cluster.run("stop")
            throw error
        }
    }

    /// Runs `scripts/postgres-cluster command` (`pause`, `resume`) on this cluster.
    public func run(_ command: String) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(script, [command], environment: environment)
    }
}
