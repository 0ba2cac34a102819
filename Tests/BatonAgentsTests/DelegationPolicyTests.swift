import BatonConnectors
import BatonCore
import BatonTestSupport
import Testing

@testable import BatonAgents

@Suite("DelegationPolicy: every refusal, as a value — no mesh, no identity provider")
struct DelegationPolicyTests {
    static let policy = DelegationPolicy(
        grants: [
            "concierge": .init(delegates: ["triage": ["access_as_user"], "workplace": ["access_as_user"]], tools: [:]),
            "triage": .init(delegates: ["itsm": ["access_as_user"], "concierge": ["access_as_user"]], tools: [:]),
            "itsm": .init(
                delegates: ["crm": ["access_as_user"]],
                tools: ["servicenow.query_incidents": ["user_impersonation"], "servicenow.get_incident": ["user_impersonation"]]),
            "crm": .init(delegates: ["deep": ["access_as_user"]], tools: [:]),
        ], maximumDepth: 4)

    static func at(_ path: [String]) -> ChainPosition {
        ChainPosition(chainID: "c", hop: path.count - 1, parentHop: path.count > 1 ? path.count - 2 : nil, actorPath: path, traceID: "t")
    }

    enum Expected: Sendable {
        case allowed(ScopeSet)
        case refused(PolicyDenial.Reason)
    }

    struct DelegationCase: Sendable, CustomTestStringConvertible {
        let caller: AgentID
        let callee: AgentID
        let scopes: ScopeSet?
        let path: [String]
        let expected: Expected
        var testDescription: String { "\(path.joined(separator: "→")) → \(callee) \(scopes?.canonical ?? "(declared)")" }
    }

    static let delegations: [DelegationCase] = [
        .init(caller: "concierge", callee: "triage", scopes: nil, path: ["concierge"], expected: .allowed(["access_as_user"])),
        .init(caller: "concierge", callee: "triage", scopes: ["access_as_user"], path: ["concierge"], expected: .allowed(["access_as_user"])),
        .init(caller: "concierge", callee: "itsm", scopes: nil, path: ["concierge"], expected: .refused(.notDeclared)),
        .init(caller: "ghost", callee: "triage", scopes: nil, path: ["ghost"], expected: .refused(.notDeclared)),
        .init(
            caller: "concierge", callee: "triage", scopes: ["access_as_user", "Directory.ReadWrite.All"], path: ["concierge"],
            expected: .refused(.scopeNotAllowed)),
        .init(caller: "triage", callee: "concierge", scopes: nil, path: ["concierge", "triage"], expected: .refused(.cycle)),
        .init(caller: "crm", callee: "deep", scopes: nil, path: ["concierge", "triage", "itsm", "crm"], expected: .refused(.depthExceeded)),
        .init(caller: "itsm", callee: "crm", scopes: nil, path: ["concierge", "triage", "itsm"], expected: .allowed(["access_as_user"])),
    ]

    @Test("delegations: declared, scopes within the declaration, no cycle, depth", arguments: delegations)
    func delegation(_ example: DelegationCase) {
        let outcome = Result { () throws(PolicyDenial) -> ScopeSet in
            try Self.policy.delegation(from: example.caller, to: example.callee, scopes: example.scopes, at: Self.at(example.path))
        }
        switch (outcome, example.expected) {
        case (.success(let scopes), .allowed(let expected)):
            #expect(scopes == expected)
        case (.failure(let denial), .refused(let reason)):
            #expect(denial.reason == reason)
            #expect(denial.target == example.callee.rawValue, "the denial names what was refused")
            #expect(!denial.message.isEmpty && denial.message.contains(example.callee.rawValue))
        default:
            Issue.record("expected \(example.expected), got \(outcome)")
        }
    }

    @Test("tools: only those granted, with the grant's scopes")
    func tools() throws {
        let allowed = try Self.policy.tool("servicenow.query_incidents", for: "itsm")
        #expect(allowed.tool == ToolName(connector: "servicenow", tool: "query_incidents"))
        #expect(allowed.scopes == ["user_impersonation"])
        let refused: [(String, AgentID)] = [
            ("servicenow.drop_table", "itsm"), ("servicenow.query_incidents", "concierge"), ("nodot", "itsm"), (".x", "itsm"),
        ]
        for (name, agent) in refused {
            #expect(throws: PolicyDenial.self) { try Self.policy.tool(name, for: agent) }
            do {
                _ = try Self.policy.tool(name, for: agent)
            } catch {
                #expect(error.reason == .toolNotAllowed)
                #expect(error.message == "\(agent) may not call \(name)")
            }
        }
    }

    @Test("every denial reason is exercised above", arguments: PolicyDenial.Reason.allCases)
    func everyReasonCovered(_ reason: PolicyDenial.Reason) {
        var covered: Set<PolicyDenial.Reason> = [.toolNotAllowed]
        for example in Self.delegations {
            if case .refused(let refused) = example.expected { covered.insert(refused) }
        }
        #expect(covered.contains(reason))
    }

    @Test("the declared grants come from the definitions: a tool's scopes are its grant's, else the connector's")
    func fromDefinitions() throws {
        let connectors = try ConnectorCatalog.load(
            directory: RepositoryPaths.path("connectors"), environment: ["BATON_SERVICENOW_URL": "https://example.service-now.com"])
        let catalog = try AgentCatalog.load(directory: RepositoryPaths.path("agents"), connectors: connectors, environment: [:])
        let policy = DelegationPolicy(catalog: catalog, connectors: connectors, maximumDepth: 5)
        #expect(
            try policy.delegation(from: "concierge", to: "triage", scopes: nil, at: Self.at(["concierge"]))
                == catalog["concierge"]?.delegation(to: "triage")?.scopes)
        let itsm = try #require(catalog["itsm"])
        for name in AgentCatalog.allowedTools(of: itsm, connectors: connectors) {
            let grant = try policy.tool(name, for: "itsm")
            let declared = try #require(itsm.grant(for: grant.tool.connector)).scopes
            #expect(grant.scopes == (declared.isEmpty ? connectors[grant.tool.connector]!.scopes : declared))
        }
    }
}
