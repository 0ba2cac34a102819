import BatonConfig
import BatonListeners
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL

/// The ServiceNow emulator as an HTTP(S) server, on a fixed or free loopback port. A real
/// instance is HTTPS only, and so are clients such as ServiceNow's `pysnc`: with `tls` it
/// serves TLS (the dev CA's server certificate, ``DevCertificateAuthority``).
public struct ServiceNowEmulatorServer: Sendable {
    public let emulator: ServiceNowEmulator
    let host: String
    let port: Int
    let logger: Logger
    /// Its connections' limits and timeouts (the daemon's defaults).
    public var connections = ConnectionSettings()
    /// HTTPS with this configuration; plain HTTP when `nil`.
    public var tls: TLSConfiguration?

    public init(emulator: ServiceNowEmulator, host: String = "127.0.0.1", port: Int = 0, logger: Logger) {
        self.emulator = emulator
        self.host = host
        self.port = port
        self.logger = logger
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        TableAPIRoutes(emulator: emulator).register(on: router)
        AttachmentAPIRoutes(emulator: emulator).register(on: router)
        BatchAPIRoutes(emulator: emulator).register(on: router)
        AggregateAPIRoutes(emulator: emulator).register(on: router)
        ChangeAPIRoutes(emulator: emulator).register(on: router)
        EmulatorKnobRoutes(emulator: emulator).register(on: router)
        return router
    }

    /// The application; once it listens, the emulator learns its base URL and `onRunning` receives it.
    public func makeApplication(onRunning: @escaping @Sendable (String) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let http1 = GuardedHTTP1.configuration(connections)
        let scheme = tls == nil ? "http" : "https"
        return Application(
            router: makeRouter(),
            server: try tls.map { try .tls(.http1(configuration: http1), tlsConfiguration: $0) } ?? .http1(configuration: http1),
            configuration: .init(address: .hostname(host, port: port), serverName: "ServiceNow"),
            onServerRunning: { [emulator] channel in
                let url = DevIdentityProviderServer.url(of: channel.localAddress, scheme: scheme)
                emulator.setBaseURL(url)
                await onRunning(url)
            },
            logger: logger
        )
    }
}
