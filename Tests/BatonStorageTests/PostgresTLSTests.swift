import BatonCore
import BatonDevKit
import BatonStorage
import BatonTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// The `tls` modes against a PostgreSQL server that speaks TLS: a cluster of the test's
/// own, started by `scripts/postgres-cluster` with a server certificate from a private CA.
@Suite("PostgreSQL over TLS", .serialized)
struct PostgresTLSTests {
    @Test("require, prefer and verify-full (the IP address checked) connect over TLS; verify-full refuses a server its CA did not sign")
    func modes() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let authority = try DevCertificateAuthority.loadOrCreate(in: root.file("ca"))
        let stranger = try DevCertificateAuthority.loadOrCreate(in: root.file("other-ca"))
        try await PrivatePostgresCluster.with(tls: authority.directory) { cluster in
            try await check(url: cluster.url, authority: authority, stranger: stranger)
        }
    }

    private func check(url: String, authority: DevCertificateAuthority, stranger: DevCertificateAuthority) async throws {
        let components = try #require(URLComponents(string: url))
        let base = PostgresEndpoint(
            host: try #require(components.host), port: try #require(components.port), username: try #require(components.user),
            password: components.password.map(Secret.init), database: String(components.path.dropFirst()), schema: "public", tls: .disable)
        func endpoint(_ tls: PostgresEndpoint.TLSMode, ca: String? = nil) -> PostgresEndpoint {
            var endpoint = base
            (endpoint.tls, endpoint.caFile) = (tls, ca)
            return endpoint
        }
        #expect(
            try await usesTLS(endpoint(.verifyFull, ca: authority.certificateAuthorityPath)) == true, "verify-full: 127.0.0.1 is in the certificate")
        #expect(try await usesTLS(endpoint(.require)) == true, "require: TLS without checking the certificate")
        #expect(try await usesTLS(endpoint(.prefer)) == true, "prefer: TLS, as the server offers it")
        #expect(try await usesTLS(endpoint(.disable)) == false)

        let password = try #require(URLComponents(string: url)?.password)
        for (label, refused) in [
            ("a certificate from another CA", endpoint(.verifyFull, ca: stranger.certificateAuthorityPath)),
            ("the system's CAs, which never signed the dev CA", endpoint(.verifyFull)),
        ] {
            let started = ContinuousClock.now
            do {
                _ = try await usesTLS(refused)
                Issue.record("verify-full connected to a server with \(label)")
            } catch {
                let message = "\(error)"
                #expect(message.contains("PostgreSQL") && message.contains("certificate"), "the error says what failed: \(message)")
                #expect(!message.contains(password), "no password in the error")
            }
            #expect(ContinuousClock.now - started < refused.connectTimeout, "refused at once, not retried until the deadline")
        }
    }

    /// Whether the connection `endpoint` opens runs over TLS (the server's own view).
    private func usesTLS(_ endpoint: PostgresEndpoint) async throws -> Bool {
        let database = try await PostgresStorage.open(endpoint, logger: Logger(label: "test"))
        do {
            let ssl = try await database.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").decode(Bool.self).elements().first
            await database.close()
            return try #require(ssl)
        } catch {
            await database.close()
            throw error
        }
    }
}
