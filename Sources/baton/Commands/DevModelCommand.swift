import ArgumentParser
import BatonConfig
import BatonDevKit
import Foundation
import Logging
import ServiceLifecycle

/// `baton dev model`: the scripted model server as a long-running process, so agents run offline.
struct DevModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Run a scripted model that speaks Bedrock Converse and OpenAI chat completions, offline.",
        discussion: """
            Answers from the rules file: the first rule whose pattern matches the latest user text calls its tool \
            (when the request offers it) and answers once the result is back. Bedrock requests are SigV4-signed by \
            boto3; the signature is not checked, so any access key works. Neither is an OpenAI API key.
            """
    )

    @Option(name: .long, help: "The rules file.", completion: .file(extensions: ["yaml"]))
    var rules = "dev/model.yaml"

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on; 0 picks a free one.")
    var port = 9600

    func run() async throws {
        try await reportingFailures {
            let loaded = try loadRules()
            LoggingBootstrap.install(.init())
            let logger = Logger(label: "baton.dev.model")
            let path = rules
            let application = DevModelServer(rules: loaded, host: host, port: port, logger: logger).makeApplication { url in
                FileHandle.standardOutput.write(Data((Self.usage(url: url, rules: path, count: loaded.rules.count) + "\n").utf8))
            }
            let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// The rules, or a failure with status 78 (EX_CONFIG) naming the file, line and field.
    private func loadRules() throws -> ModelRules {
        do throws(ConfigError) {
            return try ModelRules(contentsOf: rules)
        } catch {
            throw CommandFailure(message: error.description, exitCode: .configurationError)
        }
    }

    /// The URL and the settings that point each kind of client at it.
    static func usage(url: String, rules: String, count: Int) -> String {
        """
        Dev model at \(url) (\(count) rules from \(rules))
          Bedrock (boto3, Strands BedrockModel):
            export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=\(url)
            export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=dev AWS_SECRET_ACCESS_KEY=dev   # boto3 signs; the signature is not checked
          OpenAI-compatible clients:
            export OPENAI_BASE_URL=\(url)/v1 OPENAI_API_KEY=dev
            Baton's brain: kind: chat-completions, base_url: \(url)/v1, model: baton-dev-model
        """
    }
}
