import BatonDevKit
import BatonLedger
import BatonTestSupport
import Crypto
import Foundation
import Logging
import Testing

@testable import BatonServer

extension InteropPython {
    /// The Python of the mcp virtualenv `scripts/interop-clients` builds.
    static func mcp() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["BATON_MCP_PYTHON"] { return configured }
        let path = RepositoryPaths.path(".venv/mcp/bin/python")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropMissing(message: "no MCP client at \(path): run scripts/interop-clients first (.ci/run does)")
        }
        return path
    }
}

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
                "auto unknown tool ok", "legacy ok 2025-11-25 5 incidents", "legacy bad arguments ok", "legacy unknown tool ok",
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
