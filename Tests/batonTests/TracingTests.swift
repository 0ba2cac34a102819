import BatonCore
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
            let exchanges = spans.filter { $0.name == "exchange_token" }
            #expect(exchanges.count >= 3, "an exchange per hop and for the connector: \(spans.map(\.name))")
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

    static func spans(in file: String) -> [ExportedSpan] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).flatMap(ExportedSpan.init)
        }
    }
}
