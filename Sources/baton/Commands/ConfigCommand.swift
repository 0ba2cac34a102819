import ArgumentParser
import BatonConfig

/// `baton config …`: inspect the daemon's configuration.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration.",
        subcommands: [Check.self]
    )

    /// `baton config check`: validate and print the effective configuration.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print the effective values, secrets masked.",
            discussion: "Exit status 0 when valid, 78 with the file, key path and problem when not."
        )

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let loaded = try options.load()
                print("# effective configuration from \(loaded.source)")
                for warning in loaded.warnings { print("# warning: \(warning)") }
                print(loaded.configuration.renderedYAML(), terminator: "")
            }
        }
    }
}
