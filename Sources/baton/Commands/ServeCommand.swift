import ArgumentParser
import BatonConfig
import BatonServer
import Logging
import Metrics
import Prometheus

/// `baton serve`: run the daemon until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Baton daemon.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: in-flight requests finish, stores close, exit status 0."
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Log format, overriding log.format: text or json.")
    var logFormat: LogSettings.Format?

    @Option(name: .long, help: "Log level, overriding log.level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogSettings.Level?

    func run() async throws {
        try await reportingFailures {
            var loaded = try options.load()
            if let logFormat { loaded.configuration.log.format = logFormat }
            if let logLevel { loaded.configuration.log.level = logLevel }
            LoggingBootstrap.install(loaded.configuration.log)
            let logger = Logger(label: "baton")
            for warning in loaded.warnings { logger.warning("\(warning)") }

            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let daemon: BatonDaemon
            do {
                daemon = try BatonDaemon(configuration: loaded.configuration, logger: logger, metrics: registry, configurationFile: options.file)
            } catch let error as ConfigError {
                // An agent or connector definition is wrong: a configuration error, named by file and field.
                throw CommandFailure(message: error.description, exitCode: .configurationError)
            }
            logger.info("starting", metadata: ["config": "\(loaded.source)", "listen": "\(loaded.configuration.server.listen)"])
            let pidFile = PIDFile(dataDirectory: loaded.configuration.storage.dataDirectory)
            try await daemon.run { url in
                pidFile.write()
                logger.info("listening", metadata: ["url": "\(url)"])
            }
            pidFile.remove()
            logger.info("stopped")
        }
    }
}

extension LogSettings.Format: ExpressibleByArgument {}
extension LogSettings.Level: ExpressibleByArgument {}
