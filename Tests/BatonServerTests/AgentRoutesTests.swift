import BatonConfig
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BatonServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("The agents over HTTP: invoke, events, chains, remote hops")
struct AgentRoutesTests {
    static func configuration(_ sn: ServiceNowFixture, data: String, agents: String = RepositoryPaths.path("agents")) -> BatonConfiguration {
        var configuration = BatonConfiguration()
        configuration.server.listen.port = 0
        configuration.storage.dataDirectory = data
        configuration.agents.directory = agents
        configuration.connectors.directory = RepositoryPaths.path("connectors")
        configuration.identity = IdentitySettings(
            audiences: [sn.idp.app("concierge").appID],
            issuers: [IssuerSettings(name: "dev", kind: .entra, authority: sn.idp.base, tenants: [sn.idp.tenant.id])])
        return configuration
    }

    static func daemon(
        _ sn: ServiceNowFixture, data: String, agents: String = RepositoryPaths.path("agents"),
        _ adjust: (inout BatonConfiguration) -> Void = { _ in }
    ) throws -> BatonDaemon {
        var configuration = configuration(sn, data: data, agents: agents)
        adjust(&configuration)
        return try BatonDaemon(configuration: configuration, logger: Logger(label: "test"), environment: ["BATON_SERVICENOW_URL": sn.url])
    }

    /// An agents directory at `path`: the shipped definitions named in `copying`, and `files` (name → YAML) beside them.
    static func agents(in path: String, copying names: [String], writing files: [String: String]) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(atPath: RepositoryPaths.path("agents/\(name).yaml"), toPath: "\(path)/\(name).yaml")
        }
        for (name, yaml) in files { try yaml.write(toFile: "\(path)/\(name).yaml", atomically: true, encoding: .utf8) }
        return path
    }

    /// The dev IdP, the emulator and a daemon with the shipped mesh; `body` gets them and the daemon's base URL once ready.
    static func withDaemon(_ body: @Sendable (ServiceNowFixture, String) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try Self.daemon(sn, data: directory.file("data"))
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                try await body(sn, base)
            }
        }
    }

    static func invoke(_ base: String, agent: String = "concierge", token: String?, input: String, accept: String = "application/json") async throws
        -> HTTPResult
    {
        var request = URLRequest(url: URL(string: "\(base)/v1/agents/\(agent)/invoke")!, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(accept, forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: ["input": input])
        return try await httpRequest(request)
    }

    static func get(_ url: String, token: String) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        return try await httpRequest(request)
    }

    @Test("POST /v1/agents/concierge/invoke runs the chain as Jane; GET /v1/chains/{id} shows it to her and to an auditor only")
    func invokeAndChain() async throws {
        try await Self.withDaemon { sn, base in
            let jane = try await sn.idp.signIn()
            let result = try await Self.invoke(base, token: jane, input: "Show me 5 incidents assigned to me")
            #expect(result.status == 200, "\(result.body)")
            let chainID = try #require(result.json["chain_id"] as? String)
            #expect((result.json["hops"] as? [[String: Any]])?.compactMap { $0["agent"] as? String } == ["concierge", "triage", "itsm"])
            #expect(((result.json["data"] as? [String: Any])?["incidents"] as? [Any])?.count == 5)

            let mine = try await Self.get("\(base)/v1/chains/\(chainID)", token: jane)
            #expect(mine.status == 200)
            #expect((mine.json["tree"] as? String)?.contains("servicenow") == true)
            #expect(try await Self.get("\(base)/v1/chains/\(chainID)", token: try await sn.idp.signIn("harriet@contoso.com")).status == 404)
            #expect(try await Self.get("\(base)/v1/chains/\(chainID)", token: try await sn.idp.signIn("audrey@contoso.com")).status == 200)
            let agents = try await Self.get("\(base)/v1/agents", token: jane)
            #expect((agents.json["agents"] as? [[String: Any]])?.count == 5)

            // Each agent's hop and each ledger barrier, in /metrics.
            let metrics = try await httpGet("\(base)/metrics").body
            for agent in ["concierge", "triage", "itsm"] {
                #expect(metrics.contains("baton_agent_hop_duration_seconds_count{agent=\"\(agent)\",outcome=\"ok\"} 1"), "\(agent)'s hop")
            }
            let barriers = metrics.firstMatch(of: /baton_ledger_barrier_duration_seconds_count\{outcome="ok"\} (\d+)/).flatMap { Int($0.output.1) }
            #expect((barriers ?? 0) >= 2, "a chain's barriers are timed: \(barriers ?? 0)")
        }
    }

    @Test("text/event-stream: the steps as they happen, then the result")
    func events() async throws {
        try await Self.withDaemon { sn, base in
            let result = try await Self.invoke(
                base, token: try await sn.idp.signIn(), input: "Show me 5 incidents assigned to me", accept: "text/event-stream")
            #expect(result.contentType == "text/event-stream")
            let names = result.body.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            #expect(
                names == ["hop", "delegate", "hop", "delegate", "hop", "tool_call", "tool_result", "answer", "answer", "answer", "result"],
                "\(names)")
        }
    }

    @Test(
        "refusals: no token 401, wrong audience 401, unknown agent 404 (401 like a known agent's without a genuine token), bad body 400, MFA challenge 401 with the claims"
    )
    func refusals() async throws {
        try await Self.withDaemon { sn, base in
            let jane = try await sn.idp.signIn()
            #expect(try await Self.invoke(base, token: nil, input: "hi").status == 401)
            let wrong = try await Self.invoke(base, agent: "triage", token: jane, input: "incidents")
            #expect(wrong.status == 401)
            #expect(wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
            #expect(try await Self.invoke(base, agent: "ghost", token: jane, input: "hi").status == 404)
            // Without a genuine token, an unknown agent answers as a known one: names cannot be probed.
            for garbage in ["garbage", "eyJhbGciOiJub25lIn0.e30.", String(jane.dropLast(4)) + "AAAA"] {
                let known = try await Self.invoke(base, agent: "concierge", token: garbage, input: "hi")
                let unknown = try await Self.invoke(base, agent: "ghost", token: garbage, input: "hi")
                #expect(unknown.status == 401 && unknown.status == known.status, "\(unknown.status) vs \(known.status)")
                #expect(unknown.headers["www-authenticate"] != nil)
                let refusal = { (result: HTTPResult) in
                    (result.json["error"] as? [String: Any]).map { ($0["code"] as? String, $0["message"] as? String) }
                }
                #expect(refusal(unknown)?.0 == refusal(known)?.0)
                #expect(
                    refusal(unknown)?.1?.replacingOccurrences(of: "ghost", with: "concierge") == refusal(known)?.1, "the same refusal, word for word")
            }
            var request = URLRequest(url: URL(string: "\(base)/v1/agents/concierge/invoke")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(jane)", forHTTPHeaderField: "Authorization")
            request.httpBody = Data("{not json".utf8)
            #expect(try await httpRequest(request).status == 400)
            request.httpBody = Data(repeating: 0x61, count: 100_000)
            let oversized = try await httpRequest(request)
            #expect(oversized.status == 413, "\(oversized.status) \(oversized.body)")

            let mallory = try await Self.invoke(base, token: try await sn.idp.signIn("mallory@contoso.com"), input: "Show me my incidents")
            #expect(mallory.status == 401)
            let challenge = try #require(mallory.headers["www-authenticate"])
            #expect(challenge.contains(#"error="insufficient_claims""#))
            let encoded = try #require(challenge.components(separatedBy: #"claims=""#).last?.components(separatedBy: "\"").first)
            #expect(String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self).contains("access_token"))
            #expect(!mallory.body.contains("eyJ"), "no token in the error")
        }
    }

    @Test("a remote hop between two daemons on loopback shares one chain id; each ledger names Jane")
    func remoteHop() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let second = try Self.daemon(sn, data: directory.file("b"))
            try await LocalServer.run(logger: Logger(label: "b"), { second.makeApplication(onServerRunning: $0) }) { remoteBase in
                let agents = try Self.agents(
                    in: directory.file("a-agents"), copying: ["concierge", "workplace", "crm"],
                    writing: [
                        "triage": """
                        id: triage
                        description: Triage, run by another Baton daemon.
                        remote: \(remoteBase)
                        identity:
                          client_id: \(sn.idp.app("triage").appID)
                          resource: api://triage
                        """
                    ])
                let first = try Self.daemon(sn, data: directory.file("a"), agents: agents)
                try await LocalServer.run(logger: Logger(label: "a"), { first.makeApplication(onServerRunning: $0) }) { base in
                    _ = try await httpGet("\(base)/readyz", until: 200)
                    _ = try await httpGet("\(remoteBase)/readyz", until: 200)
                    let result = try await Self.invoke(base, token: try await sn.idp.signIn(), input: "Show me 5 incidents assigned to me")
                    #expect(result.status == 200, "\(result.body)")
                    let chainID = try #require(result.json["chain_id"] as? String)
                    #expect((result.json["hops"] as? [[String: Any]])?.compactMap { $0["agent"] as? String } == ["concierge", "triage", "itsm"])
                    let here = try await LedgerQuery(chainID: chainID).run(on: try #require(await first.storage.ledger()).reader).entries
                    let there = try await LedgerQuery(chainID: chainID).run(on: try #require(await second.storage.ledger()).reader).entries
                    #expect(here.map(\.agent).contains("concierge") && !here.contains { $0.agent == "itsm" })
                    #expect(there.first?.kind == .delegate && there.first?.agent == "triage" && there.first?.hop == 1 && there.first?.parentHop == 0)
                    #expect(there.contains { $0.kind == .downstream && $0.agent == "itsm" })
                    #expect((here + there).allSatisfy { $0.user?.username == "jane@contoso.com" })
                    #expect(Set((here + there).compactMap(\.traceID)).count == 1, "one trace id across both daemons")
                }
            }
        }
    }
}

extension ServerSettings {
    /// Listens on `port` of 127.0.0.1 and names that address as the public URL (cards, chain assertions).
    mutating func listenAt(_ port: Int) {
        listen.port = port
        publicURL = "http://127.0.0.1:\(port)"
    }
}
