import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

/// HTTP clients that trust a CA of their own besides the system's (a connector's
/// `ca_file`): one per file, kept for the life of the process — connectors come and go
/// with reloads, and a client must be shut down before it is released.
enum TrustedClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client trusting the certificates in `caFile` (and the system's CAs).
    static func client(trusting caFile: String) throws -> HTTPClient {
        try clients.withLock { clients in
            if let client = clients[caFile] { return client }
            let certificates = try certificates(in: caFile)
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(certificates)]
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            // Baton records its own client spans (no query in them); the client adds none.
            configuration.tracing.tracer = nil
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[caFile] = client
            return client
        }
    }

    /// The PEM certificates in `caFile`; an error when there is none.
    static func certificates(in caFile: String) throws -> [NIOSSLCertificate] {
        let certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        guard !certificates.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
        return certificates
    }
}
