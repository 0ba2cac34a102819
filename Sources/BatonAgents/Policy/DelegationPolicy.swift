import BatonConnectors
import BatonCore

/// What each agent may do, as a value: whom it may delegate to with which scopes, which
/// tools it may call with which scopes, and how deep a chain may go.
///
/// Pure: no I/O, no clock, no tokens. The runtime asks it before every delegation and tool
/// call and records a refusal with the ``PolicyDenial/Reason`` it names.
///
/// ```swift
/// let policy = DelegationPolicy(catalog: agents, connectors: connectors, maximumDepth: 5)
/// let scopes = try policy.delegation(from: "concierge", to: "triage", scopes: nil, at: position)
/// ```
public struct DelegationPolicy: Sendable {
    /// One agent's grants.
    public struct Grants: Sendable, Equatable {
        /// Delegates by id, with the scopes the agent may ask for on each.
        public var delegates: [AgentID: ScopeSet]
        /// Tools by `connector.tool`, with the scopes to ask for on the connector's audience.
        public var tools: [String: ScopeSet]

        public init(delegates: [AgentID: ScopeSet], tools: [String: ScopeSet]) {
            self.delegates = delegates
            self.tools = tools
        }
    }

    public let maximumDepth: Int
    private let grants: [AgentID: Grants]

    public init(grants: [AgentID: Grants], maximumDepth: Int) {
        self.grants = grants
        self.maximumDepth = maximumDepth
    }

    /// The grants the definitions declare; a tool's scopes are its grant's, or the connector's when the grant names none.
    public init(catalog: AgentCatalog, connectors: ConnectorCatalog, maximumDepth: Int) {
        var grants: [AgentID: Grants] = [:]
        for definition in catalog.ordered {
            var tools: [String: ScopeSet] = [:]
            for name in AgentCatalog.allowedTools(of: definition, connectors: connectors) {
                guard let tool = ToolName(name), let grant = definition.grant(for: tool.connector), let connector = connectors[tool.connector]
                else { continue }
                tools[name] = grant.scopes.isEmpty ? connector.scopes : grant.scopes
            }
            grants[definition.id] = Grants(
                delegates: Dictionary(definition.delegates.map { ($0.agent, $0.scopes) }, uniquingKeysWith: { first, _ in first }), tools: tools)
        }
        self.init(grants: grants, maximumDepth: maximumDepth)
    }

    /// The scopes `caller` may use to delegate to `callee` from `position` (the requested
    /// ones, or the declared ones when none are requested).
    ///
    /// The checks run in a fixed order, each with its own reason: declared, scopes within
    /// the declaration, no cycle, depth.
    public func delegation(from caller: AgentID, to callee: AgentID, scopes requested: ScopeSet?, at position: ChainPosition) throws(PolicyDenial)
        -> ScopeSet
    {
        guard let declared = grants[caller]?.delegates[callee] else {
            throw PolicyDenial(
                reason: .notDeclared, target: callee.rawValue,
                message: "\(caller) may not delegate to \(callee): it is not among its declared delegates")
        }
        let scopes = requested ?? declared
        guard scopes.isSubset(of: declared) else {
            throw PolicyDenial(
                reason: .scopeNotAllowed, target: callee.rawValue,
                message: "\(caller) may ask \(callee) for \(declared.canonical), not \(scopes.canonical)")
        }
        guard !position.actorPath.contains(callee.rawValue) else {
            let loop = (position.actorPath + [callee.rawValue]).joined(separator: " → ")
            throw PolicyDenial(reason: .cycle, target: callee.rawValue, message: "delegating to \(callee) would make a cycle (\(loop))")
        }
        guard position.depth < maximumDepth else {
            throw PolicyDenial(
                reason: .depthExceeded, target: callee.rawValue,
                message: "the chain is already \(position.depth) agents deep (the limit is \(maximumDepth))")
        }
        return scopes
    }

    /// The tool `agent` may call as `name` (`connector.tool`) and the scopes to exchange for.
    public func tool(_ name: String, for agent: AgentID) throws(PolicyDenial) -> (tool: ToolName, scopes: ScopeSet) {
        guard let tool = ToolName(name), let scopes = grants[agent]?.tools[name] else {
            throw PolicyDenial(reason: .toolNotAllowed, target: ToolName(name)?.connector ?? name, message: "\(agent) may not call \(name)")
        }
        return (tool, scopes)
    }

}
