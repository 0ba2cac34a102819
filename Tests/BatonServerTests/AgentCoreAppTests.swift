import BatonConfig
import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Crypto
import Foundation
import Logging
import Testing

@testable import BatonServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The seed's own agent — `examples/agentcore/servicenow_agent.py`: BedrockAgentCoreApp,
/// IdentityClient (or `@requires_access_token`) with ON_BEHALF_OF_TOKEN_EXCHANGE, a Strands
/// `Agent` with `BedrockModel` and the three ServiceNow tools — run by Baton as an
/// `agentcore` agent, with `baton dev model` as Bedrock and the emulator as ServiceNow.
@Suite("AgentCore apps: the seed's Strands agent runs under Baton unchanged")
struct AgentCoreAppTests {
    static let prompt = "Show me 5 incidents assigned to me"

    @Test(
        "at its own front door, Jane's prompt gets her five incidents and never the HR or SOC one; ServiceNow got a token for its own audience naming Jane; the chain holds the door, the workload token and the exchange, each naming her"
    )
    func frontDoor() async throws {
        try await Self.withMesh(tokenStyle: "identity_client") { sn, base, daemon in
            let token = try await sn.idp.signIn(scope: "api://servicenow-agent/access_as_user")
            let response = try await Self.invoke(base, agent: "servicenow-agent", token: token)
            #expect(response.status == 200, "\(response.body)")
            let answer = response.json["answer"] as? String ?? ""
            Self.expectJanesIncidents(in: answer)
            try await Self.expectServiceNowSawJane(sn, notToken: token)

            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let chainID = try #require(response.json["chain_id"] as? String)
            let reader = try #require(await daemon.storage.ledger()).reader
            let chain = try await LedgerQuery(chainID: chainID, limit: 100).run(on: reader).entries
            #expect(chain.map(\.kind) == [.inbound, .workloadToken, .exchange, .downstream], "\(chain.map(\.kind))")
            #expect(chain.allSatisfy { $0.user?.objectID == jane.oid && $0.agent == "servicenow-agent" }, "\(chain)")
            #expect(chain.first { $0.kind == .workloadToken }?.target == "servicenow-agent-workload")
            #expect(chain.first { $0.kind == .exchange }?.target == "EntraIdServiceNow")
            let downstream = try #require(chain.first { $0.kind == .downstream })
            #expect(downstream.target == "servicenow" && downstream.status == 200 && downstream.operation == "GET /api/now/table/incident")

            // What the app was started with: its workload's key and Baton's URLs, none of Baton's own secrets.
            let definition = await daemon.agents.catalog.definition(named: "servicenow-agent")
            let app = try #require(definition?.agentCore)
            let variables = try #require(await daemon.agents.launchEnvironment(for: app))
            #expect(variables["BEDROCK_AGENTCORE_DP_ENDPOINT"] == "\(base)/agentcore")
            #expect(variables["SNOW_INSTANCE_URL"] == "\(base)/agentcore/downstream/servicenow")
            #expect(variables["AWS_ACCESS_KEY_ID"] == "AKIABATONDEVSNOWAPP01" && variables["BATON_ITSM_SECRET"] == nil)
            #expect(
                Set(variables.keys).subtracting(AgentSystem.inheritedVariables).subtracting(app.downstream.keys)
                    == ["AWS_REGION", "AWS_DEFAULT_REGION", "BEDROCK_AGENTCORE_DP_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])

            // ServiceNow's ACLs, through the whole path: the HR complaint, asked for by number, is not there for Jane.
            let hidden = try await Self.invoke(base, agent: "servicenow-agent", token: token, input: "Show me INC0012350")
            #expect(hidden.status == 200, "\(hidden.body)")
            let hiddenAnswer = hidden.json["answer"] as? String ?? ""
            #expect(hiddenAnswer.contains("(no records)") && !hiddenAnswer.contains("Employee complaint"), "\(hiddenAnswer)")

            // The gateway is no open proxy: no token, Jane's own, or a ServiceNow token Baton did not hand out for a running hop — each refused.
            let gateway = "\(base)/agentcore/downstream/servicenow/api/now/table/incident"
            for bearer in [nil, token, try await sn.token()] {
                var request = URLRequest(url: URL(string: gateway)!, timeoutInterval: 30)
                if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
                let refused = try await httpRequest(request)
                #expect(refused.status == 401 && !refused.body.contains("INC00"), "\(refused.status) \(refused.body)")
            }
            let after = try await LedgerQuery(chainID: chainID, limit: 100).run(on: reader).entries
            #expect(after.count == chain.count, "a refused gateway request changes nothing")
        }
    }

    @Test("as a delegate: concierge → triage → the AgentCore app, one chain naming Jane at every hop, the app's exchange at its own hop")
    func delegate() async throws {
        try await Self.withMesh(tokenStyle: "identity_client") { sn, base, daemon in
            let token = try await sn.idp.signIn()
            let response = try await Self.invoke(base, agent: "concierge", token: token)
            #expect(response.status == 200, "\(response.body)")
            Self.expectJanesIncidents(in: response.json["answer"] as? String ?? "")

            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let reader = try #require(await daemon.storage.ledger()).reader
            let chain = try await LedgerQuery(chainID: try #require(response.json["chain_id"] as? String), limit: 100).run(on: reader).entries
            #expect(chain.allSatisfy { $0.user?.objectID == jane.oid })
            let opened = chain.filter { $0.kind == .inbound || $0.kind == .delegate }.map(\.agent)
            #expect(opened == ["concierge", "triage", "servicenow-agent"], "\(chain.map { "\($0.kind) \($0.agent)" })")
            let appHop = try #require(chain.first { $0.kind == .delegate && $0.agent == "servicenow-agent" })
            let exchange = try #require(chain.first { $0.kind == .exchange && $0.target == "EntraIdServiceNow" })
            #expect(exchange.hop == appHop.hop && exchange.agent == "servicenow-agent")
            #expect(chain.contains { $0.kind == .workloadToken && $0.hop == appHop.hop })
        }
    }

    @Test(
        "@requires_access_token(auth_flow=\"ON_BEHALF_OF_TOKEN_EXCHANGE\") gets the token the same way (its own provider name shows that it, not IdentityClient, asked)"
    )
    func decorator() async throws {
        try await Self.withMesh(tokenStyle: "decorator", provider: "EntraIdServiceNowDecorated") { sn, base, daemon in
            let token = try await sn.idp.signIn(scope: "api://servicenow-agent/access_as_user")
            let response = try await Self.invoke(base, agent: "servicenow-agent", token: token)
            #expect(response.status == 200, "\(response.body)")
            Self.expectJanesIncidents(in: response.json["answer"] as? String ?? "")
            try await Self.expectServiceNowSawJane(sn, notToken: token)
            let reader = try #require(await daemon.storage.ledger()).reader
            let exchanges = try await LedgerQuery(kind: .exchange, limit: 100).run(on: reader).entries
            let mine = exchanges.filter { $0.chainID == response.json["chain_id"] as? String }
            #expect(mine.map(\.target) == ["EntraIdServiceNowDecorated"], "\(mine)")
        }
    }

    // MARK: - Fixture

    /// Jane's prompt at `agent`; the first call also waits for the app to start (Python and Strands load slowly).
    static func invoke(_ base: String, agent: String, token: String, input: String = prompt) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "\(base)/v1/agents/\(agent)/invoke")!, timeoutInterval: 180)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["input": input])
        return try await httpRequest(request)
    }

    static func expectJanesIncidents(in answer: String) {
        for number in ServiceNowSeed.janesOpenIncidents { #expect(answer.contains(number), "\(number) missing from: \(answer)") }
        for number in ServiceNowSeed.hiddenFromJane { #expect(!answer.contains(number), "\(number) leaked in: \(answer)") }
    }

    /// Every token ServiceNow accepted had its own audience and named Jane; the user's own token never reached it.
    static func expectServiceNowSawJane(_ sn: ServiceNowFixture, notToken token: String) async throws {
        let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
        let accepted = try #require(try await httpGet("\(sn.url)/_dev/accepted-tokens", until: 200).json["tokens"] as? [[String: Any]])
        #expect(!accepted.isEmpty)
        #expect(accepted.allSatisfy { $0["aud"] as? String == sn.idp.app("servicenow").appID && $0["oid"] as? String == jane.oid }, "\(accepted)")
        let hash = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(!accepted.contains { $0["sha256"] as? String == hash })
    }

    /// The dev IdP, the emulator, `baton dev model` and a daemon whose agents are the shipped
    /// concierge and itsm, triage with the app as a delegate, and the example's app agent.
    static func withMesh(
        tokenStyle: String, provider: String = "EntraIdServiceNow", _ body: @Sendable (ServiceNowFixture, String, BatonDaemon) async throws -> Void
    ) async throws {
        let python = try InteropPython.agentcore()
        let directory = try TemporaryDirectory()
        let example = RepositoryPaths.path("examples/agentcore")
        let triage = try String(contentsOfFile: RepositoryPaths.path("agents/triage.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "delegates:\n", with: "delegates:\n  - agent: servicenow-agent\n    scopes: [access_as_user]\n")
            .replacingOccurrences(of: "  rules:\n", with: "  rules:\n    - match: \"(?i)assigned to me\"\n      delegate: servicenow-agent\n")
        let agents = try AgentRoutesTests.agents(
            in: directory.file("agents"), copying: ["concierge", "itsm", "workplace", "crm"], writing: ["triage": triage])
        // The example's app definition, its command's directory the example's own.
        let app = try String(contentsOfFile: "\(example)/agents/servicenow-agent.yaml", encoding: .utf8)
            .replacingOccurrences(of: "  directory: ..\n", with: "  directory: \(example)\n")
        try app.write(toFile: "\(agents)/servicenow-agent.yaml", atomically: true, encoding: .utf8)
        // The example's workload, with a second provider for the decorator to name.
        let workloads = directory.file("workloads")
        try FileManager.default.createDirectory(atPath: workloads, withIntermediateDirectories: true)
        let workload =
            try String(contentsOfFile: "\(example)/workloads/servicenow-agent-workload.yaml", encoding: .utf8)
            + "  - name: EntraIdServiceNowDecorated\n    flows: [ON_BEHALF_OF_TOKEN_EXCHANGE]\n    resources: [api://servicenow]\n"
        try workload.write(toFile: "\(workloads)/servicenow-agent-workload.yaml", atomically: true, encoding: .utf8)
        let rules = RepositoryPaths.path("dev/model.yaml")
        try await InteropSlot.exclusive {
            try await run(
                directory: directory, agents: agents, workloads: workloads, rules: rules, python: python, tokenStyle: tokenStyle, provider: provider,
                body)
        }
    }

    private static func run(
        directory: TemporaryDirectory, agents: String, workloads: String, rules: String, python: String, tokenStyle: String, provider: String,
        _ body: @Sendable (ServiceNowFixture, String, BatonDaemon) async throws -> Void
    ) async throws {
        try await ServiceNowFixture.withRunning { sn in
            let model = DevModelServer(rules: try ModelRules(contentsOf: rules), logger: Logger(label: "test.model"))
            try await LocalServer.run(logger: Logger(label: "test"), { model.makeApplication(onRunning: $0) }) { modelURL in
                var configuration = AgentRoutesTests.configuration(sn, data: directory.file("data"), agents: agents)
                configuration.agentcore = AgentCoreSettings(enabled: true, region: "us-east-1", directory: workloads)
                let daemon = try BatonDaemon(
                    configuration: configuration, logger: Logger(label: "test"),
                    environment: [
                        "BATON_SERVICENOW_URL": sn.url, "BATON_DEV_MODEL_URL": modelURL, "BATON_AGENTCORE_PYTHON": python,
                        "SERVICENOW_AGENT_TOKEN_STYLE": tokenStyle, "SERVICENOW_AGENT_PROVIDER": provider,
                        // Never passed on to the app (it inherits only PATH, HOME, locale, TMPDIR, CAs).
                        "BATON_ITSM_SECRET": "itsm-dev-secret", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    ])
                try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                    _ = try await httpGet("\(base)/readyz", until: 200)
                    try await body(sn, base, daemon)
                }
            }
        }
    }
}
