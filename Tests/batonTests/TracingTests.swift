import BatonCore
import BatonDevKit
import BatonTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// OpenTelemetry traces of a demo chain, received over OTLP/HTTP by a sink that decodes them
/// with OpenTelemetry's own protobuf definitions (`opentelemetry-proto`, `Interop/otlp_sink.py`).
@Suite("OpenTelemetry traces")
struct TracingTests {
    /// One span as the sink wrote it.
    struct ExportedSpan {
        let traceID: String
        let spanID: String
        let parentSpanID: String
        let name: String
        let kind: String
        let attributes: [String: Any]
        let status: Int

        init?(_ line: [String: Any]) {
            guard let trace = line["trace_id"] as? String, let span = line["span_id"] as? String, let name = line["name"] as? String else {
                return nil
            }
            traceID = trace
            spanID = span
            parentSpanID = line["parent_span_id"] as? String ?? ""
            self.name = name
            kind = line["kind"] as? String ?? ""
            attributes = line["attributes"] as? [String: Any] ?? [:]
            status = line["status"] as? Int ?? 0
        }

        func attribute(_ name: String) -> String? {
            attributes[name].map { "\($0)" }
        }
    }

    @Test(
        "Jane's demo chain is one trace from the caller's span through concierge, triage and itsm to ServiceNow, in GenAI terms, with no token or request text; its ledger entries carry the trace id"
    )
    func demoChainIsOneTrace() async throws {
        let python = try InteropVirtualenv.python("otlp", overriddenBy: "BATON_OTLP_PYTHON")
        let directory = try TemporaryDirectory()
        let spansFile = directory.file("spans.jsonl")
        let sink = try SpawnedProcess(
            python, [RepositoryPaths.path("Tests/batonTests/Interop/otlp_sink.py"), spansFile], adding: [:], mergingErrors: true)
        defer { sink.signal(SIGTERM) }
        let port = try await sink.line(where: { Int($0) != nil }, description: "its port", timeout: .seconds(30))
        // The caller's own span: the chain must join its trace.
        let callerTrace = TraceContext.makeTraceID()
        let callerSpan = TraceContext(traceID: callerTrace).spanID
        let request = "Show me 5 incidents assigned to me"
        try await InteropSlot.exclusive {
            let (process, endpoints) = try await DevUpStack.launch(
                dataDirectory: directory.file("stack"), arguments: ["--otlp-endpoint", "http://127.0.0.1:\(port)/v1/traces"])
            defer { process.signal(SIGINT) }
            let baton = try #require(endpoints?["baton"] as? String, "\(process.standardError.suffix(2_000))")
            let idp = try #require(endpoints?["idp"] as? String)
            let servicenowURL = try #require(endpoints?["servicenow"] as? String)
            let servicenow = try #require(URL(string: servicenowURL)?.port)
            let token = BatonProcess(["dev", "token", "--user", "jane@contoso.com", "--idp", idp], directory: RepositoryPaths.root)
            #expect(try await token.run() == 0, "\(token.standardError)")

            var invoke = URLRequest(url: URL(string: "\(baton)/v1/agents/concierge/invoke")!, timeoutInterval: 60)
            invoke.httpMethod = "POST"
            invoke.setValue("Bearer \(token.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))", forHTTPHeaderField: "Authorization")
            invoke.setValue("application/json", forHTTPHeaderField: "Content-Type")
            invoke.setValue("00-\(callerTrace)-\(callerSpan)-01", forHTTPHeaderField: "traceparent")
            invoke.httpBody = try JSONSerialization.data(withJSONObject: ["input": request])
            let answer = try await httpRequest(invoke)
            try #require(answer.status == 200, "\(answer.body)")
            let chainID = try #require((try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["chain_id"] as? String)

            // The spans arrive in batches, and the server span ends last (after the answer is
            // written), so it may come in a later batch than the rest: wait for all three ends.
            var spans: [ExportedSpan] = []
            for _ in 0..<300 {
                spans = Self.spans(in: spansFile).filter { $0.traceID == callerTrace }
                if spans.contains(where: { $0.kind == "client" && $0.attribute("server.port") == String(servicenow) }),
                    spans.contains(where: { $0.name == "invoke_agent concierge" }),
                    spans.contains(where: { $0.kind == "server" })
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let server = try #require(spans.first { $0.kind == "server" }, "a server span in the caller's trace: \(spans.map(\.name))")
            #expect(server.parentSpanID == callerSpan, "the request's span is a child of the caller's")
            #expect(server.name == "POST /v1/agents/{id}/invoke" && server.attribute("http.response.status_code") == "200")

            func agent(_ id: String) throws -> ExportedSpan {
                try #require(spans.first { $0.name == "invoke_agent \(id)" }, "invoke_agent \(id) in \(spans.map(\.name))")
            }
            let concierge = try agent("concierge")
            let triage = try agent("triage")
            let itsm = try agent("itsm")
            #expect(concierge.parentSpanID == server.spanID)
            #expect(triage.parentSpanID == concierge.spanID, "triage runs within concierge's hop")
            #expect(itsm.parentSpanID == triage.spanID, "itsm runs within triage's hop")
            for (span, id) in [(concierge, "concierge"), (triage, "triage"), (itsm, "itsm")] {
                #expect(span.kind == "internal", "an in-process hop is INTERNAL")
                #expect(span.attribute("gen_ai.operation.name") == "invoke_agent")
                #expect(span.attribute("gen_ai.agent.id") == id && span.attribute("gen_ai.agent.name") == id)
                #expect(span.attribute("gen_ai.conversation.id") == chainID)
            }
            let tool = try #require(spans.first { $0.name.hasPrefix("execute_tool servicenow.") }, "\(spans.map(\.name))")
            #expect(tool.parentSpanID == itsm.spanID && tool.kind == "internal")
            #expect(
                tool.attribute("gen_ai.operation.name") == "execute_tool" && tool.name == "execute_tool \(tool.attribute("gen_ai.tool.name") ?? "")")
            #expect(tool.attribute("gen_ai.conversation.id") == chainID)
            let downstream = try #require(spans.first { $0.kind == "client" && $0.attribute("server.port") == String(servicenow) })
            #expect(downstream.parentSpanID == tool.spanID, "ServiceNow's request is the tool's")
            #expect(downstream.attribute("http.request.method") == "GET" && downstream.attribute("http.response.status_code") == "200")
            #expect(downstream.attribute("url.full")?.contains("?") == false, "no query (it can carry a user's words) in url.full")
            #expect(downstream.name == "GET \(downstream.attribute("url.template") ?? "")")
            // The first chain exchanges at the IdP for triage, itsm and ServiceNow: each
            // exchange_token span holds the POST to the token endpoint.
            let exchanges = spans.filter { $0.name == "exchange_token" }
            #expect(exchanges.count == 3, "an exchange per hop and for the connector: \(spans.map(\.name))")
            for exchange in exchanges {
                #expect(
                    spans.contains { $0.parentSpanID == exchange.spanID && $0.kind == "client" && $0.attribute("http.request.method") == "POST" },
                    "the IdP request is the exchange's child: \(exchange.attribute("baton.token.audience") ?? "?")")
            }
            let ids = Set(spans.map(\.spanID))
            #expect(
                spans.allSatisfy { $0.spanID == server.spanID || ids.contains($0.parentSpanID) },
                "every span but the request's has its parent in the trace")

            let exported = try String(contentsOfFile: spansFile, encoding: .utf8)
            #expect(!exported.contains("\"leak\""), "no request to the sink held eyJ (a JWT)")
            #expect(!exported.contains("eyJ") && !exported.contains(request), "no token and no request text in any span")

            // The ledger: every entry of the chain names the caller's trace.
            var audit = URLRequest(url: URL(string: "\(baton)/v1/audit?chain=\(chainID)")!, timeoutInterval: 30)
            audit.setValue(invoke.value(forHTTPHeaderField: "Authorization"), forHTTPHeaderField: "Authorization")
            let page = try await httpRequest(audit)
            let entries = try #require(
                (try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
            #expect(entries.count >= 6, "\(page.body)")
            #expect(entries.allSatisfy { $0["traceID"] as? String == callerTrace }, "\(entries.map { $0["traceID"] ?? "none" })")

            // The same request again: every token comes from the vault, so no exchange_token
            // span, while the ledger's exchange entries say where the tokens came from.
            let warmTrace = TraceContext.makeTraceID()
            invoke.setValue("00-\(warmTrace)-\(TraceContext(traceID: warmTrace).spanID)-01", forHTTPHeaderField: "traceparent")
            let warm = try await httpRequest(invoke)
            try #require(warm.status == 200, "\(warm.body)")
            var warmSpans: [ExportedSpan] = []
            for _ in 0..<300 {
                warmSpans = Self.spans(in: spansFile).filter { $0.traceID == warmTrace }
                if warmSpans.contains(where: { $0.kind == "server" }),
                    warmSpans.contains(where: { $0.kind == "client" && $0.attribute("server.port") == String(servicenow) })
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(warmSpans.filter { $0.name.hasPrefix("invoke_agent ") }.count == 3, "\(warmSpans.map(\.name))")
            #expect(!warmSpans.contains { $0.name == "exchange_token" }, "a vault hit is no exchange: \(warmSpans.map(\.name))")
            let warmChain = try #require((try JSONSerialization.jsonObject(with: Data(warm.body.utf8)) as? [String: Any])?["chain_id"] as? String)
            audit.url = URL(string: "\(baton)/v1/audit?chain=\(warmChain)")
            let warmEntries =
                (try JSONSerialization.jsonObject(with: Data(try await httpRequest(audit).body.utf8)) as? [String: Any])?["entries"]
                as? [[String: Any]] ?? []
            let sources = warmEntries.filter { $0["kind"] as? String == "exchange" }.compactMap { $0["tokenSource"] as? String }
            #expect(sources.count == 3 && !sources.contains("idp"), "the ledger names the vault as each token's source: \(sources)")

            // An MCP client that puts its trace in `_meta` (no header): the tool call joins it.
            let mcpTrace = TraceContext.makeTraceID()
            let mcpSpan = TraceContext(traceID: mcpTrace).spanID
            let itsmToken = BatonProcess(
                ["dev", "token", "--user", "jane@contoso.com", "--idp", idp, "--client", "mcp-client", "--scope", "api://itsm/access_as_user"],
                directory: RepositoryPaths.root)
            #expect(try await itsmToken.run() == 0, "\(itsmToken.standardError)")
            var call = URLRequest(url: URL(string: "\(baton)/mcp/itsm")!, timeoutInterval: 60)
            call.httpMethod = "POST"
            call.setValue("Bearer \(itsmToken.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))", forHTTPHeaderField: "Authorization")
            call.setValue("application/json", forHTTPHeaderField: "Content-Type")
            call.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
            for (name, value) in ["MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "servicenow.get_incident"] {
                call.setValue(value, forHTTPHeaderField: name)
            }
            call.httpBody = try JSONSerialization.data(withJSONObject: [
                "jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": [
                    "name": "servicenow.get_incident", "arguments": ["number": "INC0012389"],
                    "_meta": [
                        "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [String: String](),
                        "traceparent": "00-\(mcpTrace)-\(mcpSpan)-01",
                    ],
                ],
            ])
            let called = try await httpRequest(call)
            #expect(called.status == 200, "\(called.body)")
            var mcpSpans: [ExportedSpan] = []
            for _ in 0..<300 {
                mcpSpans = Self.spans(in: spansFile).filter { $0.traceID == mcpTrace }
                if mcpSpans.contains(where: { $0.kind == "client" && $0.attribute("server.port") == String(servicenow) }),
                    mcpSpans.contains(where: { $0.name == "tools/call servicenow.get_incident" })
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let toolCall = try #require(mcpSpans.first { $0.name == "tools/call servicenow.get_incident" }, "\(mcpSpans.map(\.name))")
            #expect(toolCall.parentSpanID == mcpSpan && toolCall.kind == "server", "the call is a child of the span `_meta` named")
            let mcpTool = try #require(mcpSpans.first { $0.name == "execute_tool servicenow.get_incident" })
            let mcpHop = try #require(mcpSpans.first { $0.spanID == mcpTool.parentSpanID })
            #expect(mcpHop.name == "invoke_agent itsm" && mcpHop.parentSpanID == toolCall.spanID)
        }
    }

    @Test(
        "a hop to an A2A agent is a CLIENT span and the traceparent the agent receives names it; with sampling 0 a caller's sampled trace is still recorded, a new chain or an unsampled caller's is not (the ledger keeps their trace ids); record_request_text puts the words on invoke_agent spans"
    )
    func remoteHopSamplingAndRequestText() async throws {
        let otlp = try InteropVirtualenv.python("otlp", overriddenBy: "BATON_OTLP_PYTHON")
        let a2a = try InteropVirtualenv.python("a2a", overriddenBy: "BATON_A2A_PYTHON")
        let directory = try TemporaryDirectory()
        let spansFile = directory.file("spans.jsonl")
        let sink = try SpawnedProcess(
            otlp, [RepositoryPaths.path("Tests/batonTests/Interop/otlp_sink.py"), spansFile], adding: [:], mergingErrors: true)
        defer { sink.signal(SIGTERM) }
        let sinkPort = try await sink.line(where: { Int($0) != nil }, description: "its port", timeout: .seconds(30))
        try await ServiceNowFixture.withRunning { sn in
            let echo = sn.idp.app("a2a-echo")
            // The daemon's port is chosen first: the A2A agent trusts the keys it publishes.
            let port = try LoopbackPort.free()
            let agent = try SpawnedProcess(
                a2a, [RepositoryPaths.path("Tests/BatonServerTests/Interop/a2a_echo_agent.py")],
                adding: [
                    "JWKS_URL": "\(sn.idp.base)/\(sn.idp.tenant.id)/discovery/v2.0/keys", "AUDIENCES": "\(echo.appID),api://a2a-echo",
                    "BATON_KEYS_URL": "http://127.0.0.1:\(port)/.well-known/baton-keys.json", "EVENTS_LOG": directory.file("echo-events.log"),
                    "STREAMING": "1", "FORWARD_TO": "http://127.0.0.1:\(port)/a2a/itsm",
                    "TOKEN_URL": "\(sn.idp.base)/\(sn.idp.tenant.id)/oauth2/v2.0/token", "CLIENT_ID": echo.appID,
                    "CLIENT_SECRET": "a2a-echo-dev-secret", "FORWARD_SCOPE": "api://itsm/access_as_user",
                ])
            defer { agent.signal(SIGKILL) }
            let agentURL = String(try await agent.line(startingWith: "READY ", timeout: .seconds(30)).dropFirst("READY ".count))
            let agents = try A2ADelegateMesh.write(
                from: RepositoryPaths.path("agents"), to: directory.file("agents"),
                delegates: [.init(name: "a2a-echo", url: agentURL, match: #"(?i)\becho\b"#, clientID: echo.appID, resource: "api://a2a-echo")])
            let config = try directory.write(
                "baton.yaml",
                sn.daemonConfiguration(storage: "  engine: sqlite")
                    .replacingOccurrences(of: "dir: \(RepositoryPaths.path("agents"))", with: "dir: \(agents)")
                        + """

                        tracing:
                          enabled: true
                          endpoint: http://127.0.0.1:\(sinkPort)/v1/traces
                          sampling: 0
                          record_request_text: true
                          export_delay: 100ms
                        """)
            let daemon = BatonProcess(
                ["serve", "--config", config, "--log-format", "json"],
                environment: [
                    "BATON_SERVER_LISTEN": "127.0.0.1:\(port)", "BATON_SERVICENOW_URL": sn.url, "BATON_VAULT_KEY": SharedDatabaseTests.sealingKey,
                    "BATON_STORAGE_DATA_DIR": directory.file("data"),
                ])
            try daemon.start()
            defer { daemon.signal(SIGTERM) }
            _ = try await daemon.waitForLine(containing: "\"msg\":\"listening\"")
            let base = "http://127.0.0.1:\(port)"
            _ = try await httpGet(base + "/readyz", until: 200)
            let token = try await sn.idp.signIn()

            /// Asks the concierge with an optional caller traceparent; the answer's JSON.
            func ask(_ input: String, traceparent: String?) async throws -> [String: Any] {
                var invoke = URLRequest(url: URL(string: "\(base)/v1/agents/concierge/invoke")!, timeoutInterval: 60)
                invoke.httpMethod = "POST"
                invoke.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                invoke.setValue("application/json", forHTTPHeaderField: "Content-Type")
                if let traceparent { invoke.setValue(traceparent, forHTTPHeaderField: "traceparent") }
                invoke.httpBody = try JSONSerialization.data(withJSONObject: ["input": input])
                let answer = try await httpRequest(invoke)
                try #require(answer.status == 200, "\(answer.body)")
                return try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            }
            /// The trace id the ledger holds for a chain.
            func ledgerTrace(_ answer: [String: Any]) async throws -> String? {
                let chain = try #require(answer["chain_id"] as? String)
                var audit = URLRequest(url: URL(string: "\(base)/v1/audit?chain=\(chain)")!, timeoutInterval: 30)
                audit.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                let page = try await httpRequest(audit)
                let entries = (try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]]
                return entries?.first?["traceID"] as? String
            }

            // First the chains that must leave no span: one Baton starts (sampling 0), one whose caller did not sample.
            let unsampledTrace = TraceContext.makeTraceID()
            let unsampled = try await ask(
                "Show me 5 incidents assigned to me", traceparent: "00-\(unsampledTrace)-\(TraceContext(traceID: unsampledTrace).spanID)-00")
            #expect(try await ledgerTrace(unsampled) == unsampledTrace, "an unsampled caller's trace id is still in the ledger")
            let root = try await ask("Show me 5 incidents assigned to me", traceparent: nil)
            let rootTrace = try #require(try await ledgerTrace(root))

            // Then a sampled caller's chain into the A2A agent.
            let callerTrace = TraceContext.makeTraceID()
            let callerSpan = TraceContext(traceID: callerTrace).spanID
            let request = "echo this incident note"
            let echoed = try await ask(request, traceparent: "00-\(callerTrace)-\(callerSpan)-01")
            let seen = try #require(echoed["data"] as? [String: Any], "\(echoed)")
            var spans: [ExportedSpan] = []
            for _ in 0..<300 {
                spans = Self.spans(in: spansFile)
                if spans.contains(where: { $0.traceID == callerTrace && $0.kind == "server" }),
                    spans.contains(where: { $0.traceID == callerTrace && $0.name == "invoke_agent a2a-echo" })
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let traced = spans.filter { $0.traceID == callerTrace }
            let remote = try #require(traced.first { $0.name == "invoke_agent a2a-echo" }, "\(traced.map(\.name))")
            let triage = try #require(traced.first { $0.name == "invoke_agent triage" })
            #expect(remote.kind == "client", "a hop to an agent in another process is CLIENT")
            #expect(remote.parentSpanID == triage.spanID && remote.attribute("gen_ai.agent.id") == "a2a-echo")
            #expect(triage.kind == "internal")
            let sent = try #require((seen["traceparent"] as? String)?.split(separator: "-").map(String.init), "\(seen)")
            #expect(sent.count == 4 && sent[1] == callerTrace && sent[3] == "01", "\(sent)")
            let named = try #require(traced.first { $0.spanID == sent[2] }, "the traceparent names a span of the trace: \(sent)")
            #expect(named.spanID == remote.spanID || named.parentSpanID == remote.spanID, "the agent's parent is the hop's span or its request's")

            // Request text, allowed here: on the invoke_agent spans, in the conventions' message shape.
            let words = try #require(traced.first { $0.name == "invoke_agent concierge" }?.attribute("gen_ai.input.messages"))
            #expect(words.contains(request) && words.contains("\"role\":\"user\""), "\(words)")
            #expect(!(try String(contentsOfFile: spansFile, encoding: .utf8)).contains("eyJ"), "still no token")

            // Sampling: nothing of the chain Baton started, nor of the unsampled caller's.
            #expect(!spans.contains { $0.traceID == rootTrace }, "sampling 0: a chain Baton starts is not recorded")
            #expect(!spans.contains { $0.traceID == unsampledTrace }, "a caller's unsampled decision is followed")
        }
    }

    static func spans(in file: String) -> [ExportedSpan] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).flatMap(ExportedSpan.init)
        }
    }
}
