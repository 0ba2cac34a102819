import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonServer

/// The Pythons of the virtualenvs `scripts/interop-clients` builds.
enum InteropPython {
    static func a2a() throws -> String { try InteropVirtualenv.python("a2a", overriddenBy: "BATON_A2A_PYTHON") }
    static func mcp() throws -> String { try InteropVirtualenv.python("mcp", overriddenBy: "BATON_MCP_PYTHON") }
    static func agentcore() throws -> String { try InteropVirtualenv.python("agentcore", overriddenBy: "BATON_AGENTCORE_PYTHON") }
    static func otlp() throws -> String { try InteropVirtualenv.python("otlp", overriddenBy: "BATON_OTLP_PYTHON") }

    struct InteropMissing: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

@Suite("A2A 1.0: the a2a-sdk Python client against Baton's agents")
struct A2AInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/a2a_client.py").path

    @Test(
        "the a2a-sdk client resolves the front door's card, signs Jane in for its scheme, gets her five incidents (sent and streamed, over JSON-RPC and HTTP+JSON), reads the task; Harriet cannot; no token and a wrong audience are 401; MFA ends in AUTH_REQUIRED"
    )
    func pythonClient() async throws {
        let python = try InteropPython.a2a()
        try await AgentRoutesTests.withDaemon { sn, base in
            let forTriage = try await sn.idp.onBehalfOf("concierge", assertion: try await sn.idp.signIn(), scope: "api://triage/access_as_user")
            let wrongAudience = try #require(forTriage.json["access_token"] as? String)
            let (status, output) = try await ChildProcess.run(
                python, [Self.script],
                environment: [
                    "BASE": base, "CLIENT_ID": sn.idp.app("baton-cli").appID, "JANE_PASSWORD": "jane-dev-password",
                    "HARRIET_PASSWORD": "harriet-dev-password", "MALLORY_PASSWORD": "mallory-dev-password", "WRONG_AUDIENCE_TOKEN": wrongAudience,
                ])
            #expect(status == 0, "\(output)")
            for check in [
                "card ok", "send ok TASK_STATE_COMPLETED 5 incidents", "stream ok task", "get ok", "rest ok", "isolation ok", "no token ok",
                "wrong audience ok", "auth required ok",
            ] {
                #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
            }
            #expect(!output.contains("eyJ"), "no token is printed")
        }
    }

    static let echoAgent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/a2a_echo_agent.py").path

    @Test(
        "an a2a-sdk agent is triage's delegate: it verifies a token for its own app that speaks for Jane and the delegation chain Baton signed; the ledger records the hop as hers; an A2A agent without a card, whose card lies or that outlives its time limit (then canceled there) is an error hop"
    )
    func a2aDelegate() async throws {
        try await Self.withEchoDelegate { sn, base, daemon, events in
            let echo = sn.idp.app("a2a-echo")
            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let result = try await AgentRoutesTests.invoke(base, token: try await sn.idp.signIn(), input: "echo this incident note")
            #expect(result.status == 200, "\(result.body)")
            #expect((result.json["hops"] as? [[String: Any]])?.compactMap { $0["agent"] as? String } == ["concierge", "triage", "a2a-echo"])
            #expect((result.json["answer"] as? String)?.contains("echo for \(jane.oid): echo this incident note") == true, "\(result.body)")
            let seen = try #require(result.json["data"] as? [String: Any], "\(result.body)")
            #expect(seen["verified"] as? Bool == true)
            #expect(seen["oid"] as? String == jane.oid)
            #expect(["api://a2a-echo", echo.appID].contains(seen["aud"] as? String ?? ""), "the token's audience is the A2A agent's own app")
            #expect(seen["a2aVersion"] as? String == "1.0")
            let chainID = try #require(result.json["chain_id"] as? String)
            #expect(seen["chainVerified"] as? Bool == true, "the A2A agent verified the signed delegation chain: \(seen)")
            #expect(seen["chainId"] as? String == chainID)
            #expect(seen["actorPath"] as? [String] == ["concierge", "triage", "a2a-echo"])
            let entries = try await LedgerQuery(chainID: chainID, limit: 100).run(on: try #require(await daemon.storage.ledger()).reader).entries
            let hop = try #require(entries.first { $0.kind == .delegate && $0.agent == "a2a-echo" }, "\(entries.map(\.kind))")
            #expect(hop.user?.objectID == jane.oid && hop.status == 200 && hop.actorPath == ["concierge", "triage", "a2a-echo"])
            #expect(entries.contains { $0.kind == .exchange && $0.target == "a2a-echo" })
            let traceID = try #require(entries.first?.traceID)
            #expect((seen["traceparent"] as? String)?.contains(traceID) == true, "the trace continues into the A2A agent")

            let ghost = try await AgentRoutesTests.invoke(base, token: try await sn.idp.signIn(), input: "ghost this incident")
            #expect(ghost.status == 502, "\(ghost.body)")
            #expect((ghost.json["error"] as? [String: Any])?["code"] as? String == "remote_agent_failed")
            let failed = try await LedgerQuery(agent: "a2a-ghost", limit: 10).run(on: try #require(await daemon.storage.ledger()).reader).entries
            #expect(failed.contains { $0.kind == .error && $0.reason == "remote_agent_failed" && $0.user?.objectID == jane.oid })
            let lied = try await AgentRoutesTests.invoke(base, token: try await sn.idp.signIn(), input: "liar this incident")
            #expect(
                lied.status == 502 && (lied.json["error"] as? [String: Any])?["code"] as? String == "remote_agent_failed",
                "\(lied.status) \(lied.body)")
            let liarHops = try await LedgerQuery(agent: "a2a-liar", limit: 10).run(on: try #require(await daemon.storage.ledger()).reader).entries
            #expect(liarHops.contains { $0.kind == .error && $0.reason == "remote_agent_failed" && $0.user?.objectID == jane.oid })

            // An A2A agent that outlives its time limit: an error hop, a 504, and its task canceled.
            let slow = try await AgentRoutesTests.invoke(base, token: try await sn.idp.signIn(), input: "slow wait on this incident")
            #expect(slow.status == 504 && (slow.json["error"] as? [String: Any])?["code"] as? String == "hop_timeout", "\(slow.status) \(slow.body)")
            let slowHops = try await LedgerQuery(agent: "a2a-slow", limit: 10).run(on: try #require(await daemon.storage.ledger()).reader).entries
            #expect(
                slowHops.contains { $0.kind == .error && $0.reason == "hop_timeout" && $0.user?.objectID == jane.oid }, "\(slowHops.map(\.reason))")
            let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
            let started = try #require(log.split(separator: "\n").first { $0.hasPrefix("STARTED ") }, "\(log)").split(separator: " ")[1]
            #expect(log.contains("CANCELED \(started) \(jane.oid)"), "the timed-out task was canceled at the A2A agent: \(log)")

            // A middle hop Baton did not write: the a2a-sdk agent passes the request on to
            // itsm over A2A with its own on-behalf-of exchange, and answers with what came back.
            let forwarded = try await AgentRoutesTests.invoke(
                base, token: try await sn.idp.signIn(), input: "forward: show me 5 incidents assigned to me")
            #expect(forwarded.status == 200, "\(forwarded.body)")
            #expect((forwarded.json["hops"] as? [[String: Any]])?.compactMap { $0["agent"] as? String } == ["concierge", "triage", "a2a-echo"])
            let incidents = (forwarded.json["data"] as? [String: Any])?["incidents"] as? [Any]
            #expect(incidents?.count == 5, "\(forwarded.body)")
            let reader = try #require(await daemon.storage.ledger()).reader
            let firstChain = try await LedgerQuery(chainID: try #require(forwarded.json["chain_id"] as? String), limit: 100).run(on: reader)
            let trace = try #require(firstChain.entries.first?.traceID)
            let atItsm = try await LedgerQuery(agent: "itsm", limit: 100).run(on: reader).entries.filter { $0.traceID == trace }
            #expect(
                atItsm.contains { $0.kind == .toolCall && $0.user?.objectID == jane.oid && $0.actorPath == ["itsm"] },
                "itsm ran Jane's request as a chain of its own, in the same trace: \(atItsm.map { "\($0.kind) \($0.actorPath)" })")
        }
    }

    @Test(
        "an a2a-sdk client cancels Jane's running task: the cancel reaches the a2a-sdk agent the chain had delegated to (with a token that verifies as hers), her subscription ends CANCELED, the ledger records the canceled hop; the task then is neither cancelable nor subscribable (an agent that streams, and one Baton follows by asking)",
        arguments: [true, false]
    )
    func cancelReachesEveryHop(streaming: Bool) async throws {
        let python = try InteropPython.a2a()
        try await Self.withEchoDelegate(streaming: streaming) { sn, base, daemon, events in
            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let (status, output) = try await ChildProcess.run(
                python, [Self.cancelScript],
                environment: ["BASE": base, "CLIENT_ID": sn.idp.app("baton-cli").appID, "JANE_PASSWORD": "jane-dev-password", "EVENTS_LOG": events])
            #expect(status == 0, "\(output)")
            for check in ["return immediately ok", "cancel ok", "subscribe ok task", "get canceled ok", "cancel again ok", "subscribe ended ok"] {
                #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
            }
            let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
            let started = try #require(log.split(separator: "\n").first { $0.hasPrefix("STARTED ") }, "\(log)").split(separator: " ")[1]
            #expect(log.contains("CANCELED \(started) \(jane.oid)"), "the echo agent's own task was canceled by Jane's chain: \(log)")
            let entries = try await LedgerQuery(agent: "a2a-echo", limit: 10).run(on: try #require(await daemon.storage.ledger()).reader).entries
            #expect(entries.contains { $0.kind == .error && $0.reason == "canceled" && $0.user?.objectID == jane.oid }, "\(entries.map(\.reason))")
        }
    }

    static let cancelScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/a2a_cancel_client.py").path

    /// The a2a-sdk echo agent running as triage's delegate `a2a-echo` (and `a2a-ghost`, a URL
    /// without a card), a daemon whose mesh names them, and the file the echo agent logs to.
    /// Without `streaming` its card offers none, and Baton follows its tasks by asking.
    static func withEchoDelegate(
        streaming: Bool = true, _ body: @Sendable (ServiceNowFixture, String, BatonDaemon, String) async throws -> Void
    ) async throws {
        let python = try InteropPython.a2a()
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let echo = sn.idp.app("a2a-echo")
            // The daemon's address is known in advance: the A2A agent trusts its published key.
            let port = try LoopbackPort.free()
            let events = directory.file("echo-events.log")
            let fixture = try await InteropServer(
                python: python, script: Self.echoAgent,
                environment: [
                    "JWKS_URL": "\(sn.idp.base)/\(sn.idp.tenant.id)/discovery/v2.0/keys", "AUDIENCES": "\(echo.appID),api://a2a-echo",
                    "BATON_KEYS_URL": "http://127.0.0.1:\(port)/.well-known/baton-keys.json", "EVENTS_LOG": events,
                    "STREAMING": streaming ? "1" : "0", "FORWARD_TO": "http://127.0.0.1:\(port)/a2a/itsm",
                    "TOKEN_URL": "\(sn.idp.base)/\(sn.idp.tenant.id)/oauth2/v2.0/token", "CLIENT_ID": echo.appID,
                    "CLIENT_SECRET": "a2a-echo-dev-secret", "FORWARD_SCOPE": "api://itsm/access_as_user",
                ])
            defer { fixture.stop() }
            let agents = try Self.agents(
                in: directory.file("agents"), echo: fixture.url, ghost: "\(sn.idp.base)/not-an-agent", echoAppID: echo.appID)
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data"), agents: agents) { $0.server.listenAt(port) }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                try await body(sn, base, daemon, events)
            }
        }
    }

    /// The shipped mesh, with triage delegating "echo" and "forward" to the A2A agent at
    /// `echo`, "ghost" to a URL that serves no agent card, "liar" to a card whose
    /// interface answers 404, and "slow" to the echo agent with a one-second time limit.
    static func agents(in path: String, echo: String, ghost: String, echoAppID: String) throws -> String {
        try A2ADelegateMesh.write(
            from: RepositoryPaths.path("agents"), to: path,
            delegates: [
                .init(name: "a2a-echo", url: echo, match: #"(?i)\b(echo|forward)\b"#, clientID: echoAppID, resource: "api://a2a-echo"),
                .init(name: "a2a-ghost", url: ghost, match: #"(?i)\bghost\b"#, clientID: echoAppID, resource: "api://a2a-echo"),
                .init(name: "a2a-liar", url: "\(echo)/liar", match: #"(?i)\bliar\b"#, clientID: echoAppID, resource: "api://a2a-echo"),
                .init(name: "a2a-slow", url: echo, match: #"(?i)\bslow\b"#, clientID: echoAppID, resource: "api://a2a-echo", timeout: "1s"),
            ])
    }
}

/// A Python server the test starts: it prints `READY <url>` when it listens.
final class InteropServer: Sendable {
    let process: SpawnedProcess
    let url: String

    init(python: String, script: String, environment: [String: String]) async throws {
        process = try SpawnedProcess(python, [script], adding: environment)
        do {
            url = String(try await process.line(startingWith: "READY ", timeout: .seconds(30)).dropFirst("READY ".count))
        } catch {
            process.signal(SIGKILL)
            throw InteropPython.InteropMissing(message: "\(script) did not start: \(error)")
        }
    }

    func stop() {
        process.signal(SIGKILL)
    }
}
