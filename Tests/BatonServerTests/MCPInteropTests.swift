import BatonDevKit
import BatonLedger
import BatonTestSupport
import Crypto
import Foundation
import Logging
import Testing

@testable import BatonServer

@Suite("MCP: the Python mcp SDK against Baton's agents, on both protocol revisions")
struct MCPInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/mcp_client.py").path

    @Test(
        "the mcp client is refused without a token (401 with resource_metadata whose resource is the MCP URL) and with another audience's; with Jane's token for itsm it lists the tools and calls servicenow.query_incidents on 2026-07-28 and 2025-11-25, getting her five incidents; ServiceNow received a token for its own app that speaks for Jane, never the MCP token; the ledger records each call as Jane's through the MCP client"
    )
    func pythonClient() async throws {
        let python = try InteropPython.mcp()
        try await Self.withDaemon { sn, base, daemon in
            let client = sn.idp.app("mcp-client").appID
            let token = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": client])
            let wrongAudience = try await sn.idp.signIn()
            let (status, output) = try await ChildProcess.run(
                python, [Self.script], environment: ["URL": "\(base)/mcp/itsm", "TOKEN": token, "WRONG_AUDIENCE_TOKEN": wrongAudience])
            #expect(status == 0, "\(output)")
            for check in [
                "no token ok 401 resource_metadata", "wrong audience ok 401", "auto ok 2026-07-28 5 incidents", "auto bad arguments ok",
                "auto unknown tool ok", "auto ask ok", "legacy ask ok", "legacy ok 2025-11-25 5 incidents", "legacy bad arguments ok",
                "legacy unknown tool ok",
            ] {
                #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
            }
            #expect(!output.contains("eyJ"), "no token is printed")

            // What ServiceNow was sent: tokens for its own app, speaking for Jane; never the MCP token.
            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let oidc = try await httpGet("\(sn.url)/_dev/oidc", until: 200)
            let serviceNowApp = try #require(oidc.json["client_id"] as? String ?? oidc.json["clientID"] as? String, "\(oidc.body)")
            let accepted = try #require(try await httpGet("\(sn.url)/_dev/accepted-tokens", until: 200).json["tokens"] as? [[String: Any]])
            #expect(!accepted.isEmpty)
            #expect(accepted.allSatisfy { $0["aud"] as? String == serviceNowApp && $0["oid"] as? String == jane.oid }, "\(accepted)")
            let mcpTokenHash = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(!accepted.contains { $0["sha256"] as? String == mcpTokenHash }, "the MCP client's token never reached ServiceNow")

            // The ledger: each call a chain of Jane's, entered through the MCP client's app.
            let reader = try #require(await daemon.storage.ledger()).reader
            let inbound = try await LedgerQuery(kind: .inbound, limit: 100).run(on: reader).entries.filter { $0.operation == "mcp tools/call" }
            #expect(inbound.count == 2, "one chain per successful call: \(inbound.map(\.operation))")
            for entry in inbound {
                #expect(entry.agent == "itsm" && entry.user?.objectID == jane.oid && entry.resource == "app:\(client)", "\(entry)")
                let chain = try await LedgerQuery(chainID: entry.chainID, limit: 100).run(on: reader).entries
                #expect(chain.map(\.kind) == [.inbound, .toolCall, .exchange, .downstream], "\(chain.map(\.kind))")
                #expect(chain.allSatisfy { $0.user?.objectID == jane.oid })
                #expect(chain.first { $0.kind == .exchange }?.target == "servicenow")
            }
        }
    }

    /// The dev IdP, the emulator and a daemon with the shipped agents.
    static func withDaemon(_ body: @Sendable (ServiceNowFixture, String, BatonDaemon) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data"))
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                try await body(sn, base, daemon)
            }
        }
    }
}

extension MCPInteropTests {
    static let listenScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/mcp_listen.py").path
    static let toolsServer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/mcp_tools_server.py").path

    @Test(
        "an MCP server written with the Python SDK is itsm's connector (kind mcp, its audience learned from its protected-resource metadata): Baton calls its tool for Jane with a token for the server's own app that speaks for her, never the caller's, the chain's trace in `_meta`; a client listening on Baton's MCP endpoint hears that itsm's tools changed when Baton lists the server's; the ledger shows the call; a tool error is the agent's error; the tool is offered again on Baton's own MCP endpoint"
    )
    func serverAsConnector() async throws {
        let python = try InteropPython.mcp()
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let toolsApp = sn.idp.app("mcp-tools")
            let server = try await InteropServer(
                python: python, script: Self.toolsServer,
                environment: [
                    "JWKS_URL": "\(sn.idp.base)/\(sn.idp.tenant.id)/discovery/v2.0/keys", "AUDIENCES": "\(toolsApp.appID),api://mcp-tools",
                    "SCOPE": "api://mcp-tools/access_as_user",
                ])
            defer { server.stop() }
            let connectors = directory.file("connectors")
            try FileManager.default.createDirectory(atPath: connectors, withIntermediateDirectories: true)
            for file in ConnectorFiles.shipped {
                try FileManager.default.copyItem(atPath: RepositoryPaths.path("connectors/\(file)"), toPath: "\(connectors)/\(file)")
            }
            try """
            name: mcptools
            kind: mcp
            base_url: \(server.url)
            scopes: [access_as_user]
            tools: [whoami, fail]
            """.write(toFile: "\(connectors)/mcptools.yaml", atomically: true, encoding: .utf8)
            let itsm = try String(contentsOfFile: RepositoryPaths.path("agents/itsm.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "connectors:\n", with: "connectors:\n  - name: mcptools\n    scopes: [access_as_user]\n")
                .replacingOccurrences(of: "tools:\n", with: "tools:\n  - mcptools.whoami\n  - mcptools.fail\n")
                .replacingOccurrences(
                    of: "  rules:\n",
                    with:
                        "  rules:\n    - match: \"(?i)who am i\"\n      tool: mcptools.whoami\n    - match: \"(?i)make it fail\"\n      tool: mcptools.fail\n"
                )
            let agents = try AgentRoutesTests.agents(
                in: directory.file("agents"), copying: ["concierge", "crm", "triage", "workplace"], writing: ["itsm": itsm])
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data"), agents: agents) { $0.connectors.directory = connectors }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
                let token = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": sn.idp.app("mcp-client").appID])
                // A listening MCP client hears that itsm's tools changed once Baton has listed the server's.
                let (status, output) = try await ChildProcess.run(
                    python, [Self.listenScript], environment: ["URL": "\(base)/mcp/itsm", "TOKEN": token])
                #expect(status == 0, "\(output)")
                for check in ["listen acknowledged ok", "list changed ok ToolsListChanged", "relisted ok"] {
                    #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
                }
                let answer = try await AgentRoutesTests.invoke(base, agent: "itsm", token: token, input: "who am i")
                #expect(answer.status == 200, "\(answer.body)")
                let seen = try #require(answer.json["data"] as? [String: Any], "\(answer.body)")
                #expect(["api://mcp-tools", toolsApp.appID].contains(seen["aud"] as? String ?? ""), "a token for the MCP server's own app: \(seen)")
                #expect(seen["oid"] as? String == jane.oid, "that speaks for Jane")
                #expect(seen["azp"] as? String == sn.idp.app("itsm").appID, "obtained by itsm on her behalf, not the caller's token")
                #expect(seen["version"] as? String == "2026-07-28", "\(seen)")

                let chainID = try #require(answer.json["chain_id"] as? String)
                let entries = try await LedgerQuery(chainID: chainID, limit: 100).run(on: try #require(await daemon.storage.ledger()).reader).entries
                let traceID = try #require(entries.first?.traceID)
                #expect(
                    (seen["traceparent"] as? String)?.hasPrefix("00-\(traceID)-") == true,
                    "the chain's trace rides in the call's _meta (MCP's trace context binding): \(seen)")
                #expect(entries.contains { $0.kind == .exchange && $0.target == "mcptools" && $0.user?.objectID == jane.oid })
                let calls = entries.filter { $0.kind == .downstream && $0.target == "mcptools" }
                #expect(calls.contains { $0.resource == "mcptools:tools/call" && $0.status == 200 }, "\(calls.map(\.resource))")

                let failed = try await AgentRoutesTests.invoke(base, agent: "itsm", token: token, input: "make it fail")
                #expect(failed.status == 502 && failed.body.contains("this tool always fails"), "\(failed.status) \(failed.body)")

                // Baton's own MCP endpoint offers the connector's tool as itsm's, with the server's description.
                let listed = try await MCPRoutesTests.modernCall("\(base)/mcp/itsm", token: token, method: "tools/list")
                let tools = (listed.json["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []
                let whoami = try #require(tools.first { $0["name"] as? String == "mcptools.whoami" }, "\(listed.body)")
                #expect((whoami["description"] as? String)?.contains("verified token") == true, "\(whoami)")
                let called = try await MCPRoutesTests.modernCall(
                    "\(base)/mcp/itsm", token: token, method: "tools/call", params: ["name": "mcptools.whoami", "arguments": [String: Any]()])
                let structured = ((called.json["result"] as? [String: Any])?["structuredContent"] as? [String: Any]) ?? [:]
                #expect(structured["oid"] as? String == jane.oid, "\(called.body)")
            }
        }
    }
}

/// The connector definitions the repository ships.
enum ConnectorFiles {
    static var shipped: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.path("connectors"))) ?? []).filter { $0.hasSuffix(".yaml") }
    }
}
