import ArgumentParser
import BatonAgents
import Foundation

/// `baton agents`: the agent definitions, as the daemon would load them.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List and check the agent definitions (agents/*.yaml) and the connectors they use.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the agents with their delegates, connectors and tools; fails naming the file and field when a definition is wrong.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let (_, connectors, agents) = try options.loadDefinitions()
                var rows = [["AGENT", "DELEGATES TO", "TOOLS", "RUNS"]]
                for definition in agents.ordered {
                    let tools = AgentCatalog.allowedTools(of: definition, connectors: connectors)
                    rows.append([
                        definition.id.rawValue + (definition.isFrontDoor ? " (front door)" : ""),
                        definition.delegates.map(\.agent.rawValue).joined(separator: ", "),
                        tools.isEmpty ? "-" : tools.joined(separator: ", "),
                        definition.remote ?? "here",
                    ])
                }
                print(TextTable(rows: rows).rendered)
                print(
                    "\n\(agents.ordered.count) agents, \(connectors.connectors.count) connectors (\(connectors.connectors.keys.sorted().joined(separator: ", ")))"
                )
            }
        }
    }
}
