import BatonConfig
import BatonListeners
import Hummingbird
import Logging

/// `baton dev model`: an offline, scripted model server, so agents run without a network or a
/// real model. It speaks Bedrock Runtime's Converse API (what boto3 and Strands call) and
/// OpenAI's chat completions (what Baton's chat-completions brain calls), and answers both
/// from the same ``ModelRules``.
///
/// ```swift
/// let rules = try ModelRules(contentsOf: "dev/model.yaml")
/// let server = DevModelServer(rules: rules, logger: logger)
/// try await LocalServer.run(logger: logger, { server.makeApplication(onRunning: $0) }) { url in … }
/// ```
public struct DevModelServer: Sendable {
    public let rules: ModelRules
    let host: String
    let port: Int
    let logger: Logger
    /// Its connections' limits and timeouts (the daemon's defaults).
    public var connections = ConnectionSettings()

    public init(rules: ModelRules, host: String = "127.0.0.1", port: Int = 0, logger: Logger) {
        self.rules = rules
        self.host = host
        self.port = port
        self.logger = logger
    }

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: UnknownPathMiddleware())
        BedrockConverseRoutes(rules: rules, logger: logger).register(on: router)
        ChatCompletionsRoutes(rules: rules, logger: logger).register(on: router)
        return router
    }

    /// The application; once it listens, `onRunning` receives its base URL (Bedrock's endpoint
    /// URL; OpenAI clients take it with `/v1` appended).
    public func makeApplication(onRunning: @escaping @Sendable (String) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: GuardedHTTP1.configuration(connections)),
            configuration: .init(address: .hostname(host, port: port), serverName: "baton-dev-model"),
            onServerRunning: { channel in await onRunning(DevIdentityProviderServer.url(of: channel.localAddress, scheme: "http")) },
            logger: logger
        )
    }
}
