import BatonConfig
import BatonConnectors
import BatonCore
import Foundation

/// Every agent definition of a daemon, checked against each other and against the
/// connectors at startup: a reference to an unknown agent, connector or tool is a
/// configuration error naming the file and the field, never a surprise at call time.
public struct AgentCatalog: Sendable {
    public let agents: [AgentID: AgentDefinition]
    /// The agents in file order.
    public let ordered: [AgentDefinition]

    public init(definitions: [AgentDefinition], connectors: ConnectorCatalog) throws(ConfigError) {
        var byID: [AgentID: AgentDefinition] = [:]
        for definition in definitions {
            if let other = byID[definition.id] {
                throw .invalidValue(
                    origin: .file(path: definition.file, line: nil), keyPath: "id", problem: "'\(definition.id)' is also defined in \(other.file)")
            }
            byID[definition.id] = definition
        }
        for definition in definitions { try Self.check(definition, agents: byID, connectors: connectors) }
        agents = byID
        ordered = definitions
    }

    /// Reads `directory/*.yaml`; a missing directory is an empty catalog.
    public static func load(directory: String, connectors: ConnectorCatalog, environment: [String: String]) throws(ConfigError) -> AgentCatalog {
        var definitions: [AgentDefinition] = []
        for file in ConnectorCatalog.yamlFiles(in: directory) {
            definitions.append(try AgentDefinition.load(file: file, environment: environment))
        }
        return try AgentCatalog(definitions: definitions, connectors: connectors)
    }

    public subscript(id: AgentID) -> AgentDefinition? { agents[id] }

    /// The agent named `name` (from a URL, a flag, a header), if it is a valid id and defined.
    public func definition(named name: String) -> AgentDefinition? {
        AgentID(rawValue: name).flatMap { agents[$0] }
    }

    /// The front-door agent (`front_door: true`), or the only agent.
    public var frontDoor: AgentDefinition? {
        ordered.first(where: \.isFrontDoor) ?? (ordered.count == 1 ? ordered.first : nil)
    }

    /// The tools `definition` may call, as `connector.tool`.
    public static func allowedTools(of definition: AgentDefinition, connectors: ConnectorCatalog) -> [String] {
        if !definition.tools.isEmpty { return definition.tools }
        return definition.connectors.flatMap { grant in
            (connectors[grant.connector]?.tools ?? []).map { "\(grant.connector).\($0.name)" }
        }
    }

    private static func check(_ definition: AgentDefinition, agents: [AgentID: AgentDefinition], connectors: ConnectorCatalog) throws(ConfigError) {
        func invalid(_ key: String, _ problem: String) -> ConfigError {
            .invalidValue(origin: .file(path: definition.file, line: nil), keyPath: key, problem: problem)
        }
        for delegate in definition.delegates {
            guard agents[delegate.agent] != nil else {
                throw invalid(
                    "delegates", "'\(delegate.agent)' is not a defined agent (known: \(agents.keys.sorted().map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard delegate.agent != definition.id else { throw invalid("delegates", "an agent cannot delegate to itself") }
        }
        for grant in definition.connectors where connectors[grant.connector] == nil {
            throw invalid(
                "connectors",
                "'\(grant.connector)' is not a defined connector (known: \(connectors.connectors.keys.sorted().joined(separator: ", ")))")
        }
        for tool in definition.tools {
            let parts = tool.split(separator: ".").map(String.init)
            guard definition.grant(for: parts[0]) != nil else { throw invalid("tools", "'\(tool)' belongs to a connector the agent does not list") }
            guard connectors[parts[0]]?.tool(named: parts[1]) != nil else { throw invalid("tools", "\(parts[0]) has no tool '\(parts[1])'") }
        }
        let allowed = Set(allowedTools(of: definition, connectors: connectors))
        if case .rules(let rules) = definition.brain {
            for rule in rules {
                switch rule.action {
                case .delegate(let agent, _) where AgentID(rawValue: agent).flatMap(definition.delegation(to:)) == nil:
                    throw invalid("brain.rules", "a rule delegates to '\(agent)', which is not among the agent's delegates")
                case .tool(let name, _) where !allowed.contains(name):
                    throw invalid("brain.rules", "a rule calls '\(name)', which the agent may not call")
                default:
                    break
                }
            }
        }
    }
}
