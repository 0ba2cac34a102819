import ArgumentParser
import BatonConfig
import Foundation

/// `--config FILE`, shared by every command that reads the daemon's configuration.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long, help: "The YAML configuration file (default: $BATON_CONFIG, else built-in defaults).",
        completion: .file(extensions: ["yaml", "yml"]))
    var config: String?

    /// The configuration file in use: `--config`, else `$BATON_CONFIG`, else none.
    var file: String? {
        config ?? ProcessInfo.processInfo.environment["BATON_CONFIG"]
    }

    /// Loads the configuration or exits with status 78 (EX_CONFIG) and the reason.
    func load() throws -> BatonConfiguration.Loaded {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try BatonConfiguration.load(file: file, environment: environment)
        } catch {
            throw CommandFailure(message: error.description, exitCode: .configurationError)
        }
    }
}

extension ExitCode {
    /// sysexits' EX_CONFIG: the configuration is wrong.
    static let configurationError = ExitCode(78)
}
