import BatonAgents
import BatonConnectors

/// Tells the MCP clients listening at an agent (`subscriptions/listen`) that its tool list
/// changed: today when an MCP connector's server lists its tools differently (their
/// descriptions and schemas are the server's), so every agent offering that connector's
/// tools has a new list.
actor ToolListChanges {
    private var listeners: [String: [Int: AsyncStream<Void>.Continuation]] = [:]
    private var next = 0

    /// Registers with every MCP connector: a change of its tools is a change for each agent
    /// that may call one of them.
    static func watching(_ catalog: AgentCatalog, connectors: ConnectorCatalog) -> ToolListChanges {
        let changes = ToolListChanges()
        changes.watch(catalog, connectors: connectors)
        return changes
    }

    /// Registers with `connectors`' MCP servers (after a reload, the new ones).
    nonisolated func watch(_ catalog: AgentCatalog, connectors: ConnectorCatalog) {
        for (name, connector) in connectors.connectors {
            guard let server = connector as? MCPConnector else { continue }
            let agents = catalog.ordered.filter { $0.isLocal && $0.tools.contains { $0.hasPrefix("\(name).") } }.map(\.id.rawValue)
            guard !agents.isEmpty else { continue }
            server.onToolsChange { Task { await self.publish(agents) } }
        }
    }

    /// A stream that yields once per change of `agent`'s tools until it is dropped.
    func changes(of agent: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = next
        next += 1
        listeners[agent, default: [:]][id] = continuation
        continuation.onTermination = { _ in Task { await self.remove(id, of: agent) } }
        return stream
    }

    func publish(_ agents: [String]) {
        for agent in agents {
            for continuation in listeners[agent, default: [:]].values { continuation.yield() }
        }
    }

    var listenerCount: Int { listeners.values.map(\.count).reduce(0, +) }

    private func remove(_ id: Int, of agent: String) {
        listeners[agent]?[id] = nil
    }
}
