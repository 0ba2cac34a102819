import BatonConfig
import BatonListeners
import Hummingbird
import Logging

/// The ServiceNow emulator as an HTTP server, on a fixed or free loopback port.
public struct ServiceNowEmulatorServer: Sendable {
    public let emulator: ServiceNowEmulator
    let host: String
    let port: Int
    let logger: Logger
    /// Its connections' limits and timeouts (the daemon's defaults).
    public var connections = ConnectionSettings()

    public init(emulator: ServiceNowEmulator, host: String = "127.0.0.1", port: Int = 0, logger: Logger) {
        self.emulator = emulator
        self.host = host
        self.port = port
        self.logger = logger
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        TableAPIRoutes(emulator: emulator).register(on: router)
        EmulatorKnobRoutes(emulator: emulator).register(on: router)
        return router
    }

    /// The application; once it listens, the emulator learns its base URL and `onRunning` receives it.
    public func makeApplication(onRunning: @escaping @Sendable (String) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: GuardedHTTP1.configuration(connections)),
            configuration: .init(address: .hostname(host, port: port), serverName: "ServiceNow"),
            onServerRunning: { [emulator] channel in
                let url = DevIdentityProviderServer.url(of: channel.localAddress, scheme: "http")
                emulator.setBaseURL(url)
                await onRunning(url)
            },
            logger: logger
        )
    }
}
