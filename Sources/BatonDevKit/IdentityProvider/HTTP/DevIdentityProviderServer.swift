import BatonConfig
import BatonListeners
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
internal import NIOCore

/// The dev identity provider as an HTTP server, on a fixed or free loopback port.
///
/// ```swift
/// let server = DevIdentityProviderServer(provider: idp, host: "127.0.0.1", port: 0, logger: logger)
/// try await server.makeApplication { url in print("IdP at", url) }.runService()
/// ```
public struct DevIdentityProviderServer: Sendable {
    public let provider: DevIdentityProvider
    let host: String
    let port: Int
    /// A URL to advertise instead of the bound address (e.g. behind a proxy or for a TLS name).
    let publicURL: String?
    /// Serve HTTPS with this configuration instead of plain HTTP.
    let tls: TLSConfiguration?
    /// Its connections' limits and timeouts (the daemon's defaults).
    public var connections = ConnectionSettings()
    let logger: Logger

    public init(
        provider: DevIdentityProvider, host: String = "127.0.0.1", port: Int = 0, publicURL: String? = nil, tls: TLSConfiguration? = nil,
        logger: Logger
    ) {
        self.provider = provider
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.tls = tls
        self.logger = logger
    }

    /// The router with every IdP route; a daemon can mount it or serve it alone.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        IdentityProviderRoutes(provider: provider).register(on: router)
        return router
    }

    /// The application; once it listens, the provider learns its base URL and `onRunning` receives it.
    public func makeApplication(onRunning: @escaping @Sendable (String) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let scheme = tls == nil ? "http" : "https"
        let http1 = GuardedHTTP1.configuration(connections)
        return Application(
            router: makeRouter(),
            server: try tls.map { try .tls(.http1(configuration: http1), tlsConfiguration: $0) } ?? .http1(configuration: http1),
            configuration: .init(address: .hostname(host, port: port), serverName: "baton-dev-idp"),
            onServerRunning: { [provider, publicURL] channel in
                let url = publicURL ?? Self.url(of: channel.localAddress, scheme: scheme)
                await provider.setBaseURL(url)
                await onRunning(url)
            },
            logger: logger
        )
    }

    static func url(of address: SocketAddress?, scheme: String) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "\(scheme)://127.0.0.1" }
        return ip.contains(":") ? "\(scheme)://[\(ip)]:\(port)" : "\(scheme)://\(ip):\(port)"
    }
}
