import BatonConfig
import BatonCore
import Foundation

/// An agent's `agentcore:` section: the agent is an AgentCore Runtime app (a
/// `BedrockAgentCoreApp`, serving `POST /invocations` and `GET /ping`) that Baton calls
/// with a workload access token bound to the chain's user — at a URL where it already runs,
/// or as a command Baton starts and supervises.
///
/// ```yaml
/// agentcore:
///   workload: servicenow-agent          # its workload identity (workloads/)
///   command: [python3, servicenow_agent.py]   # or url: http://127.0.0.1:8080
///   directory: ../examples/agentcore    # the command's working directory
///   port: 0                             # PORT for the command; 0 picks a free one
///   downstream:                         # variables Baton sets to its gateway to a connector
///     SNOW_INSTANCE_URL: servicenow
///   environment:
///     AWS_ENDPOINT_URL_BEDROCK_RUNTIME: http://127.0.0.1:9600
///   ready_timeout: 60s
/// ```
public struct AgentCoreAppSettings: Sendable {
    /// How Baton reaches the app.
    public enum Location: Sendable, Equatable {
        /// An app already running at this base URL.
        case url(String)
        /// A command Baton starts (in `directory`, with `PORT` set) and restarts when it has exited.
        case command(arguments: [String], directory: String, port: Int)
    }

    /// The workload identity whose access tokens the app gets.
    public var workload: String
    public var location: Location
    /// Variables set for a command (over Baton's own environment and what Baton adds).
    public var environment: [String: String]
    /// Variables Baton sets, for a command, to its downstream gateway to a connector
    /// (`SNOW_INSTANCE_URL` → `servicenow`): the app's calls with the tokens Baton gave it
    /// then pass through Baton, which records each one in the hop's chain.
    public var downstream: [String: String]
    /// How long a started command may take to answer `/ping`.
    public var readyTimeout: Duration

    init(section: ConfigSection, file: String) throws(ConfigError) {
        workload = try section.requiredValue("workload")
        let url: String? = try section.optionalValue("url")
        let arguments: [String] = try section.list("command", default: [String]())
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let directoryText: String = try section.value("directory", default: ".")
        let port: Int = try section.value("port", default: 0)
        guard (0...65_535).contains(port) else { throw section.invalid("port", "a TCP port (0 picks a free one)") }
        switch (url, arguments.isEmpty) {
        case (let url?, true):
            guard URL(string: url)?.host != nil, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw section.invalid("url", "must be the http(s) base URL the app serves /invocations under")
            }
            location = .url(URLText.trimmingTrailingSlash(url))
        case (nil, false):
            let directory = directoryText.hasPrefix("/") ? directoryText : base.appendingPathComponent(directoryText).standardized.path
            location = .command(arguments: arguments, directory: directory, port: port)
        case (nil, true):
            throw section.invalid("url", "give the app's url, or the command Baton starts it with")
        case (_?, false):
            throw section.invalid("command", "give either url or command, not both")
        }
        var environment: [String: String] = [:]
        let variables = try section.section("environment")
        for name in variables.writtenKeys { environment[name] = try variables.requiredValue(name) as String }
        self.environment = environment
        var downstream: [String: String] = [:]
        let gateways = try section.section("downstream")
        for name in gateways.writtenKeys { downstream[name] = try gateways.requiredValue(name) as String }
        self.downstream = downstream
        readyTimeout = try section.value("ready_timeout", default: Duration.seconds(60))
        try section.finish()
    }
}
