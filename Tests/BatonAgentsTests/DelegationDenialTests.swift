import BatonConfig
import BatonConnectors
import BatonCore
import BatonLedger
import BatonTestSupport
import Foundation
import Testing

@testable import BatonAgents

@Suite("Policy denials in a running mesh, and agent definitions")
struct DelegationDenialTests {
    static func agent(_ id: String, app: String, delegates: [String], rule: String) -> String {
        """
        id: \(id)
        front_door: \(id == "concierge")
        identity:
          client_id: \(app)
          secret: \(id)-dev-secret
          resource: api://\(id)
        delegates:
        \(delegates.map { "  - agent: \($0)" }.joined(separator: "\n"))
        brain:
          kind: rules
          rules:
            - \(rule)
        """
    }

    @Test("a cycle is refused and audited where it would close")
    func cycle() async throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        let (directory, path) = try AgentMeshFixture.definitions([
            "concierge": Self.agent("concierge", app: tenant.application("concierge")!.appID, delegates: ["triage"], rule: "delegate: triage"),
            "triage": Self.agent("triage", app: tenant.application("triage")!.appID, delegates: ["concierge"], rule: "delegate: concierge"),
        ])
        _ = directory
        try await AgentMeshFixture.withRunning(agents: path) { mesh in
            do {
                _ = try await mesh.runtime.invoke(agent: "concierge", input: "loop", token: try await mesh.signIn())
                Issue.record("a cycle ran")
            } catch let error as AgentError {
                #expect(error.code == "delegation_cycle")
            }
            let denial = try #require(try await mesh.entries(kind: .deny).first)
            #expect(denial.agent == "triage" && denial.target == "concierge" && denial.reason == "delegation_cycle")
        }
    }

    @Test("delegation to an undeclared agent and a scope beyond the definition are refused and audited")
    func undeclaredAndScope() async throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        // A chat brain may name any agent; the scripted model asks the concierge to go straight to itsm.
        try await ScriptedModel.withRunning([.toolCall(name: "delegate_to_itsm", arguments: #"{"request":"incidents"}"#)]) { model in
            let (directory, path) = try AgentMeshFixture.definitions([
                "concierge": """
                id: concierge
                front_door: true
                identity:
                  client_id: \(tenant.application("concierge")!.appID)
                  secret: concierge-dev-secret
                delegates:
                  - agent: triage
                brain:
                  kind: chat-completions
                  base_url: \(model)
                  model: scripted
                """,
                "triage": Self.agent("triage", app: tenant.application("triage")!.appID, delegates: [], rule: "answer: hi"),
                "itsm": Self.agent("itsm", app: tenant.application("itsm")!.appID, delegates: [], rule: "answer: hi"),
            ])
            _ = directory
            try await AgentMeshFixture.withRunning(agents: path) { mesh in
                do {
                    _ = try await mesh.runtime.invoke(agent: "concierge", input: "incidents", token: try await mesh.signIn())
                    Issue.record("an undeclared delegation ran")
                } catch let error as AgentError {
                    #expect(error.code == "delegate_not_declared")
                }
                let denial = try #require(try await mesh.entries(kind: .deny).first)
                #expect(denial.target == "itsm" && denial.reason == "delegate_not_declared")
                #expect(try await mesh.entries(kind: .exchange).isEmpty, "nothing was exchanged for the undeclared agent")
            }
        }
        // Scopes: the runtime refuses a delegation asking for more than the definition names.
        try await AgentMeshFixture.withRunning { mesh in
            let outcome = try await mesh.runtime.testDelegation(
                from: "concierge", to: "triage", scopes: ["access_as_user", "Directory.ReadWrite.All"], token: try await mesh.signIn())
            #expect(outcome == "scope_not_allowed")
            #expect(try await mesh.entries(kind: .deny).first?.reason == "scope_not_allowed")
        }
    }

    @Test("definition errors name the file and field; unknown agents, connectors and tools fail at load")
    func definitionErrors() throws {
        let connectors = try ConnectorCatalog.load(directory: RepositoryPaths.path("connectors"), environment: [:])
        let cases: [(String, String)] = [
            ("id: a\nidentity:\n  client_id: x\n  secret: s\ndelegates:\n  - agent: ghost\nbrain:\n  rules:\n    - answer: hi\n", "delegates"),
            ("id: a\nidentity:\n  client_id: x\n  secret: s\nconnectors:\n  - name: jira\nbrain:\n  rules:\n    - answer: hi\n", "connectors"),
            (
                "id: a\nidentity:\n  client_id: x\n  secret: s\nconnectors:\n  - name: servicenow\ntools: [servicenow.drop_table]\nbrain:\n  rules:\n    - answer: hi\n",
                "tools"
            ),
            ("id: a\nidentity:\n  client_id: x\nbrain:\n  rules:\n    - answer: hi\n", "identity.secret"),
            ("id: a\nidentity:\n  client_id: x\n  secret: s\nbrain:\n  rules:\n    - match: \"(\"\n      answer: hi\n", "match"),
            ("id: a\nidentity:\n  client_id: x\n  secret: s\nbrain:\n  rules:\n    - delegate: b\n", "brain.rules"),
            ("id: A!\nidentity:\n  client_id: x\n  secret: s\n", "id"),
        ]
        for (yaml, field) in cases {
            let (directory, path) = try AgentMeshFixture.definitions(["a": yaml])
            _ = directory
            #expect {
                _ = try AgentCatalog.load(directory: path, connectors: connectors, environment: [:])
            } throws: { error in
                "\(error)".contains("\(path)/a.yaml") && "\(error)".contains(field)
            }
        }
        let shipped = try AgentCatalog.load(
            directory: RepositoryPaths.path("agents"), connectors: connectors, environment: ["BATON_AGENT_ITSM_LIMITS_MAX_STEPS": "2"])
        #expect(shipped.ordered.map(\.id).sorted() == ["concierge", "crm", "itsm", "triage", "workplace"])
        #expect(shipped["itsm"]?.maximumSteps == 2, "BATON_AGENT_<FILE>_<KEY_PATH> overrides a key of that file")
        #expect(shipped["triage"]?.maximumSteps == 4)
        #expect(shipped.frontDoor?.id == "concierge")
    }
}

@Suite("The chat-completions brain against a scripted model")
struct ChatCompletionsBrainTests {
    @Test("the model calls a tool, reads its result and answers; it is offered tools and delegates, and never sees a token")
    func toolLoop() async throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        try await ScriptedModel.withRunningModel([
            .toolCall(name: "servicenow__query_incidents", arguments: #"{"limit": 3}"#), .text("You have 3 open incidents; the newest is about VPN."),
        ]) { url, model in
            let (directory, path) = try AgentMeshFixture.definitions([
                "concierge": DelegationDenialTests.agent(
                    "concierge", app: tenant.application("concierge")!.appID, delegates: ["itsm"], rule: "delegate: itsm"),
                "itsm": """
                id: itsm
                identity:
                  client_id: \(tenant.application("itsm")!.appID)
                  secret: itsm-dev-secret
                connectors:
                  - name: servicenow
                    scopes: [user_impersonation]
                tools: [servicenow.query_incidents, servicenow.get_incident]
                brain:
                  kind: chat-completions
                  base_url: \(url)
                  model: scripted
                """,
            ])
            _ = directory
            // concierge may only delegate to itsm when the tenant lets its app call itsm; the shipped tenant does not,
            // so the scripted agent is invoked with an itsm token directly.
            try await AgentMeshFixture.withRunning(agents: path) { mesh in
                let janeForItsm = try await mesh.janeForItsm()
                let answer = try await mesh.runtime.invoke(agent: "itsm", input: "What is on my plate?", token: Secret(janeForItsm))
                #expect(answer.text == "You have 3 open incidents; the newest is about VPN.")
                let requests = await model.requests
                #expect(requests.count == 2)
                let offered = requests[0].objectValue?["tools"]?.arrayValue?.compactMap {
                    $0.objectValue?["function"]?.objectValue?["name"]?.stringValue
                }
                #expect(offered == ["servicenow__query_incidents", "servicenow__get_incident"])
                let second = String(decoding: try JSONEncoder().encode(requests[1]), as: UTF8.self)
                #expect(second.contains("INC0012345"), "the tool result went back to the model")
                #expect(!second.contains("eyJ") && !second.contains(janeForItsm), "no token reached the model")
                #expect(try await mesh.entries(chain: answer.chainID).contains { $0.kind == .downstream && $0.status == 200 })
            }
        }
    }

    @Test("a brain that never answers stops at the step limit, recorded and refused")
    func stepLimit() async throws {
        let tenant = try IdentityProviderFixture.shippedTenant()
        let call = ScriptedModel.Reply.toolCall(name: "servicenow__get_incident", arguments: #"{"number":"INC0012345"}"#)
        try await ScriptedModel.withRunningModel(Array(repeating: call, count: 10)) { url, model in
            let (directory, path) = try AgentMeshFixture.definitions([
                "itsm": """
                id: itsm
                identity:
                  client_id: \(tenant.application("itsm")!.appID)
                  secret: itsm-dev-secret
                connectors:
                  - name: servicenow
                    scopes: [user_impersonation]
                brain:
                  kind: chat-completions
                  base_url: \(url)
                  model: scripted
                limits:
                  max_steps: 3
                """
            ])
            _ = directory
            try await AgentMeshFixture.withRunning(agents: path) { mesh in
                let janeForItsm = try await mesh.janeForItsm()
                do {
                    _ = try await mesh.runtime.invoke(agent: "itsm", input: "loop", token: Secret(janeForItsm))
                    Issue.record("the agent ran past its step limit")
                } catch let error as AgentError {
                    #expect(error.code == "step_limit")
                }
                #expect(await model.requests.count == 3)
                #expect(try await mesh.entries(kind: .toolCall).count == 3)
            }
        }
    }
}
