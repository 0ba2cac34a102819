import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Testing

@testable import BatonServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("MCP at /mcp/{agent}: the transport's rules, bad input and refused tokens")
struct MCPRoutesTests {
    static let modern = "2026-07-28"
    static var meta: [String: Any] {
        ["io.modelcontextprotocol/protocolVersion": modern, "io.modelcontextprotocol/clientCapabilities": [String: Any]()]
    }

    /// A POST to `url` with `body` (a JSON object, or raw text) and `headers`.
    static func post(_ url: String, token: String?, body: Any, headers: [String: String] = [:], method: String = "POST") async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if method == "POST" {
            request.httpBody = try (body as? String).map { Data($0.utf8) } ?? JSONSerialization.data(withJSONObject: body)
        }
        return try await httpRequest(request)
    }

    /// A 2026-07-28 request for `method` with its routing headers right.
    static func modernCall(_ url: String, token: String, method: String, params: [String: Any] = [:], headers: [String: String] = [:]) async throws
        -> HTTPResult
    {
        var all = ["MCP-Protocol-Version": modern, "Mcp-Method": method]
        if method == "tools/call", let name = params["name"] as? String { all["Mcp-Name"] = name }
        all.merge(headers) { $1 }
        return try await post(
            url, token: token, body: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params.merging(["_meta": meta]) { $1 }], headers: all)
    }

    static func errorCode(_ result: HTTPResult) -> Int? {
        (result.json["error"] as? [String: Any])?["code"] as? Int
    }

    @Test(
        "bad input gets the error each revision names and never a 5xx: parse error, batches, unknown methods, routing headers that disagree, a missing _meta, an unknown version, GET, oversized bodies, bad cursors, notifications"
    )
    func badInput() async throws {
        try await MCPInteropTests.withDaemon { sn, base, _ in
            let url = "\(base)/mcp/itsm"
            let token = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": sn.idp.app("mcp-client").appID])
            let parse = try await Self.post(url, token: token, body: "{not json", headers: ["MCP-Protocol-Version": Self.modern])
            #expect(parse.status == 400 && Self.errorCode(parse) == -32700, "\(parse.status) \(parse.body)")
            let batch = try await Self.post(url, token: token, body: [["jsonrpc": "2.0", "id": 1, "method": "tools/list"]])
            #expect(batch.status == 400 && Self.errorCode(batch) == -32600, "\(batch.status) \(batch.body)")
            let unknown = try await Self.modernCall(url, token: token, method: "resources/list")
            #expect(unknown.status == 404 && Self.errorCode(unknown) == -32601, "\(unknown.status) \(unknown.body)")
            let mismatch = try await Self.modernCall(url, token: token, method: "tools/list", headers: ["Mcp-Method": "tools/call"])
            #expect(mismatch.status == 400 && Self.errorCode(mismatch) == -32020, "\(mismatch.status) \(mismatch.body)")
            let wrongName = try await Self.modernCall(
                url, token: token, method: "tools/call", params: ["name": "servicenow.get_incident", "arguments": ["number": "INC0012345"]],
                headers: ["Mcp-Name": "servicenow.query_incidents"])
            #expect(wrongName.status == 400 && Self.errorCode(wrongName) == -32020, "\(wrongName.status) \(wrongName.body)")
            let noMeta = try await Self.post(
                url, token: token, body: ["jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": [String: Any]()],
                headers: ["MCP-Protocol-Version": Self.modern, "Mcp-Method": "tools/list"])
            #expect(noMeta.status == 400 && Self.errorCode(noMeta) == -32602, "\(noMeta.status) \(noMeta.body)")
            let future = try await Self.modernCall(url, token: token, method: "tools/list", headers: ["MCP-Protocol-Version": "2099-01-01"])
            #expect(future.status == 400 && Self.errorCode(future) == -32022, "\(future.status) \(future.body)")
            let supported = ((future.json["error"] as? [String: Any])?["data"] as? [String: Any])?["supported"] as? [String]
            #expect(supported == ["2026-07-28", "2025-11-25"], "\(future.body)")
            let foreign = try await Self.modernCall(url, token: token, method: "tools/list", headers: ["Origin": "http://evil.example"])
            #expect(foreign.status == 403, "another origin is refused (DNS rebinding): \(foreign.status)")
            let own = try await Self.modernCall(url, token: token, method: "tools/list", headers: ["Origin": base])
            #expect(own.status == 200, "the daemon's own origin is accepted: \(own.status) \(own.body)")
            let get = try await Self.post(url, token: token, body: "", method: "GET")
            #expect(get.status == 405, "\(get.status)")
            let huge = try await Self.modernCall(
                url, token: token, method: "tools/call",
                params: ["name": "servicenow.get_incident", "arguments": ["number": String(repeating: "9", count: 1_100_000)]])
            #expect(huge.status == 413, "\(huge.status)")
            let cursor = try await Self.modernCall(url, token: token, method: "tools/list", params: ["cursor": "not-a-cursor"])
            #expect(cursor.status == 400 && Self.errorCode(cursor) == -32602, "\(cursor.status) \(cursor.body)")
            let note = try await Self.post(
                url, token: token, body: ["jsonrpc": "2.0", "method": "notifications/progress", "params": ["_meta": Self.meta]],
                headers: ["MCP-Protocol-Version": Self.modern, "Mcp-Method": "notifications/progress"])
            #expect(note.status == 202 && note.body.isEmpty, "\(note.status) \(note.body)")

            // Listing pages through every tool, each with its argument schema.
            let listed = try await Self.modernCall(url, token: token, method: "tools/list")
            let result = try #require(listed.json["result"] as? [String: Any], "\(listed.body)")
            #expect(result["resultType"] as? String == "complete" && result["ttlMs"] != nil && result["cacheScope"] as? String == "private")
            let names = (result["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(
                names == [
                    "servicenow.query_incidents", "servicenow.get_incident", "servicenow.update_incident", "servicenow.add_work_note",
                    "servicenow.count_records", "servicenow.list_attachments", "servicenow.attach_file", "ask",
                ])
            let query = (result["tools"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "servicenow.query_incidents" }
            #expect((query?["outputSchema"] as? [String: Any])?["required"] as? [String] == ["incidents"], "\(query ?? [:])")

            // The agent itself as a tool: asked in words, it runs its chain as Jane.
            let asked = try await Self.modernCall(
                url, token: token, method: "tools/call", params: ["name": "ask", "arguments": ["request": "Show me 5 incidents assigned to me"]])
            let answer = ((asked.json["result"] as? [String: Any])?["structuredContent"] as? [String: Any]) ?? [:]
            #expect(answer["agents"] as? [String] == ["itsm"] && answer["chain_id"] is String, "\(asked.body)")
            #expect(((answer["data"] as? [String: Any])?["incidents"] as? [Any])?.count == 5, "\(asked.body)")
            let discover = try await Self.modernCall(url, token: token, method: "server/discover")
            #expect(((discover.json["result"] as? [String: Any])?["supportedVersions"] as? [String])?.first == Self.modern, "\(discover.body)")

            // Arguments that break the schema reach nothing downstream.
            let before = try await httpGet("\(sn.url)/_dev/stats", until: 200).body
            let bad = try await Self.modernCall(
                url, token: token, method: "tools/call", params: ["name": "servicenow.query_incidents", "arguments": ["limit": "five", "colour": 1]])
            let badResult = try #require(bad.json["result"] as? [String: Any], "\(bad.body)")
            #expect(badResult["isError"] as? Bool == true, "\(bad.body)")
            #expect(bad.body.contains("arguments.colour is not an argument of this tool"), "\(bad.body)")
            #expect(try await httpGet("\(sn.url)/_dev/stats", until: 200).body == before, "nothing went to ServiceNow")

            // A downstream refusal is the tool's error with the downstream's reason: the HR case Jane may not see stays hidden.
            let hidden = try await Self.modernCall(
                url, token: token, method: "tools/call", params: ["name": "servicenow.get_incident", "arguments": ["number": "INC0012350"]])
            let hiddenResult = try #require(hidden.json["result"] as? [String: Any], "\(hidden.body)")
            #expect(hiddenResult["isError"] as? Bool == true && hidden.body.contains("not found"), "\(hidden.body)")
            #expect(!hidden.body.contains("Harassment"), "nothing of the record leaks")
        }
    }

    @Test(
        "sessions (2025-11-25): initialize mints one for the user; without it 400, someone else's or a closed one 404; DELETE closes it; unknown methods are JSON-RPC errors at HTTP 200"
    )
    func sessions() async throws {
        try await MCPInteropTests.withDaemon { sn, base, _ in
            let url = "\(base)/mcp/itsm"
            let client = sn.idp.app("mcp-client").appID
            let jane = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": client])
            let harriet = try await sn.idp.signIn("harriet@contoso.com", scope: "api://itsm/access_as_user", extra: ["client_id": client])
            let initialize: [String: Any] = [
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": ["protocolVersion": "2025-06-18", "capabilities": [String: Any](), "clientInfo": ["name": "t", "version": "1"]],
            ]
            let opened = try await Self.post(url, token: jane, body: initialize)
            #expect(opened.status == 200, "\(opened.body)")
            #expect(
                (opened.json["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-06-18", "a version it speaks is answered in kind")
            let session = try #require(opened.headers["mcp-session-id"], "\(opened.headers)")
            #expect(session.count == 32 && session.allSatisfy(\.isHexDigit))
            let list: [String: Any] = ["jsonrpc": "2.0", "id": 2, "method": "tools/list"]
            let headers = ["Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"]
            #expect(try await Self.post(url, token: jane, body: list, headers: headers).status == 200)
            let missing = try await Self.post(url, token: jane, body: list, headers: ["MCP-Protocol-Version": "2025-06-18"])
            #expect(missing.status == 400 && Self.errorCode(missing) == -32600, "\(missing.status) \(missing.body)")
            let stolen = try await Self.post(url, token: harriet, body: list, headers: headers)
            #expect(stolen.status == 404, "Harriet cannot use Jane's session: \(stolen.status)")
            let unknownMethod = try await Self.post(url, token: jane, body: ["jsonrpc": "2.0", "id": 3, "method": "prompts/list"], headers: headers)
            #expect(unknownMethod.status == 200 && Self.errorCode(unknownMethod) == -32601, "\(unknownMethod.status) \(unknownMethod.body)")
            let ping = try await Self.post(url, token: jane, body: ["jsonrpc": "2.0", "id": 4, "method": "ping"], headers: headers)
            #expect(ping.status == 200 && (ping.json["result"] as? [String: Any])?.isEmpty == true, "\(ping.body)")
            #expect(try await Self.post(url, token: jane, body: "", headers: headers, method: "DELETE").status == 200)
            #expect(try await Self.post(url, token: jane, body: list, headers: headers).status == 404, "a closed session is gone")
        }
    }

    @Test(
        "refused tokens: none, another audience's, an expired one (401 invalid_token) and one without the agent's scope (403 insufficient_scope with the scope), each challenge naming the resource metadata; the authentic ones are recorded as Jane's denials"
    )
    func refusals() async throws {
        try await MCPInteropTests.withDaemon { sn, base, daemon in
            let url = "\(base)/mcp/itsm"
            let metadata = "resource_metadata=\"\(base)/.well-known/oauth-protected-resource/mcp/itsm\""
            let list: [String: Any] = ["jsonrpc": "2.0", "id": 1, "method": "tools/list"]
            let none = try await Self.post(url, token: nil, body: list)
            #expect(none.status == 401 && none.headers["www-authenticate"]?.contains(metadata) == true, "\(none.headers)")
            let wrong = try await Self.post(url, token: try await sn.idp.signIn(), body: list)
            #expect(wrong.status == 401 && wrong.headers["www-authenticate"]?.contains("invalid_token") == true, "\(wrong.headers)")
            #expect(wrong.headers["www-authenticate"]?.contains(metadata) == true)
            _ = try await httpPostForm("\(sn.idp.base)/_dev/clock?offset_seconds=-7200", [:])
            let expiredToken = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": sn.idp.app("mcp-client").appID])
            _ = try await httpPostForm("\(sn.idp.base)/_dev/clock?offset_seconds=0", [:])
            let expired = try await Self.post(url, token: expiredToken, body: list)
            #expect(
                expired.status == 401 && expired.headers["www-authenticate"]?.contains("invalid_token") == true, "\(expired.status) \(expired.body)")
            let garbage = try await Self.post(url, token: "not.a.token", body: list)
            #expect(garbage.status == 401)

            let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
            let denials = try await LedgerQuery(kind: .deny, limit: 100).run(on: try #require(await daemon.storage.ledger()).reader).entries
            #expect(
                Set(denials.compactMap(\.reason)) == ["audience_invalid", "token_expired"],
                "the authentic refusals, not the garbage one: \(denials.map(\.reason))")
            #expect(denials.allSatisfy { $0.user?.objectID == jane.oid && $0.agent == "itsm" })
        }
        // An agent that accepts a scope Jane's token does not carry: 403 naming it.
        let directory = try TemporaryDirectory()
        let yaml = try String(contentsOfFile: RepositoryPaths.path("agents/itsm.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "scopes: [access_as_user]", with: "scopes: [admin_access]")
        let agents = try AgentRoutesTests.agents(
            in: directory.file("agents"), copying: ["concierge", "crm", "triage", "workplace"], writing: ["itsm": yaml])
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data"), agents: agents)
            try await LocalServer.run(logger: .init(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let token = try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: ["client_id": sn.idp.app("mcp-client").appID])
                let refused = try await Self.post("\(base)/mcp/itsm", token: token, body: ["jsonrpc": "2.0", "id": 1, "method": "tools/list"])
                let challenge = refused.headers["www-authenticate"] ?? ""
                #expect(refused.status == 403, "\(refused.status) \(refused.body)")
                #expect(
                    challenge.contains("insufficient_scope") && challenge.contains("admin_access") && challenge.contains("resource_metadata="),
                    "\(challenge)")
                let denials = try await LedgerQuery(kind: .deny, limit: 10).run(on: try #require(await daemon.storage.ledger()).reader).entries
                #expect(denials.map(\.reason) == ["insufficient_scope"] && denials.first?.agent == "itsm", "\(denials.map(\.reason))")
            }
        }
    }
}
