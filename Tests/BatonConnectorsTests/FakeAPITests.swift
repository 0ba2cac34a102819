import BatonConnectors
import BatonDevKit
import BatonIdentity
import BatonTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

/// Graph, Salesforce and generic REST connectors against small loopback fakes that answer
/// with each API's envelope, paging and error shapes.
@Suite("Graph, Salesforce and REST connectors against loopback fakes")
struct FakeAPITests {
    static func withFake<T: Sendable>(_ register: @Sendable (Router<BasicRequestContext>) -> Void, _ body: @Sendable (String) async throws -> T)
        async throws -> T
    {
        let router = Router(context: BasicRequestContext.self)
        register(router)
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield("http://127.0.0.1:\(channel.localAddress!.port!)") },
            logger: Logger(label: "fake"))
        return try await LocalServer.run(
            logger: Logger(label: "fake"),
            { report in
                Task { for await url in urls { await report(url) } }
                return app
            }
        ) { url in try await body(url) }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func bearer(_ request: Request) -> String? {
        request.headers[.authorization]
    }

    @Test("Graph: messages follow @odata.nextLink; calendar view takes its window; a 403 carries Graph's code and message")
    func graph() async throws {
        try await Self.withFake({ router in
            router.get("v1.0/me/messages") { request, _ in
                guard Self.bearer(request) == "Bearer graph-token" else {
                    return Self.json(#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty."}}"#, status: .unauthorized)
                }
                if request.uri.queryParameters.get("$skip") == "2" { return Self.json(#"{"value":[{"subject":"three"}]}"#) }
                let host = request.head.authority ?? ""
                return Self.json(#"{"value":[{"subject":"one"},{"subject":"two"}],"@odata.nextLink":"http://\#(host)/v1.0/me/messages?$skip=2"}"#)
            }
            router.get("v1.0/me/calendarView") { request, _ in
                guard request.uri.queryParameters.get("startDateTime") != nil, request.uri.queryParameters.get("endDateTime") != nil else {
                    return Self.json(
                        #"{"error":{"code":"ErrorInvalidParameter","message":"This request requires a time window specified by the query string parameters StartDateTime and EndDateTime."}}"#,
                        status: .badRequest)
                }
                return Self.json(#"{"value":[{"subject":"Stand-up","start":{"dateTime":"\#(request.uri.queryParameters.get("startDateTime")!)"}}]}"#)
            }
            router.get("v1.0/me") { _, _ in
                Self.json(
                    #"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
                    status: .forbidden)
            }
        }) { url in
            let graph = GraphConnector(baseURL: "\(url)/v1.0", scopes: ["Mail.Read"])
            let context = CallLog().context(ScriptedCredentials(["graph-token"]))
            let result = try await graph.execute(ToolCall(tool: "list_messages", arguments: ["top": 10]), context: context)
            #expect(
                result.content.objectValue?["messages"]?.arrayValue?.compactMap { $0.objectValue?["subject"]?.stringValue } == [
                    "one", "two", "three",
                ])
            let events = try await graph.execute(
                ToolCall(tool: "calendar_view", arguments: ["start": "2026-11-23T00:00:00Z", "end": "2026-11-24T00:00:00Z"]), context: context)
            #expect(events.content.objectValue?["events"]?.arrayValue?.first?.objectValue?["subject"] == "Stand-up")
            await #expect(throws: ConnectorError.invalidArguments(tool: "calendar_view", problem: "'end' is required")) {
                _ = try await graph.execute(ToolCall(tool: "calendar_view", arguments: ["start": "2026-11-23T00:00:00Z"]), context: context)
            }
            await #expect(
                throws: ConnectorError.notPermitted(
                    connector: "graph", message: "Authorization_RequestDenied: Insufficient privileges to complete the operation.")
            ) {
                _ = try await graph.execute(ToolCall(tool: "me"), context: context)
            }
        }
    }

    @Test("Salesforce: SOQL follows nextRecordsUrl; errors arrive as a JSON array; PATCH answers 204")
    func salesforce() async throws {
        try await Self.withFake({ router in
            router.get("services/data/v62.0/query") { request, _ in
                if request.uri.queryParameters.get("q")?.contains("FRM") == true {
                    return Self.json(#"[{"message":"unexpected token: FRM","errorCode":"MALFORMED_QUERY"}]"#, status: .badRequest)
                }
                return Self.json(
                    #"{"totalSize":3,"done":false,"nextRecordsUrl":"/services/data/v62.0/query/01g-2","records":[{"Id":"1"},{"Id":"2"}]}"#)
            }
            router.get("services/data/v62.0/query/01g-2") { _, _ in Self.json(#"{"totalSize":3,"done":true,"records":[{"Id":"3"}]}"#) }
            router.patch("services/data/v62.0/sobjects/Account/001") { _, _ in Response(status: .noContent) }
        }) { url in
            let salesforce = SalesforceConnector(instanceURL: url, audience: "api://salesforce", scopes: ["api"])
            let context = CallLog().context(ScriptedCredentials(["sf-token"]))
            let result = try await salesforce.execute(ToolCall(tool: "soql_query", arguments: ["soql": "SELECT Id FROM Account"]), context: context)
            #expect(result.content.objectValue?["records"]?.arrayValue?.count == 3)
            await #expect(throws: ConnectorError.downstream(connector: "salesforce", status: 400, message: "MALFORMED_QUERY: unexpected token: FRM"))
            {
                _ = try await salesforce.execute(ToolCall(tool: "soql_query", arguments: ["soql": "SELECT Id FRM Account"]), context: context)
            }
            let updated = try await salesforce.execute(
                ToolCall(tool: "update_record", arguments: ["type": "Account", "id": "001", "values": ["Name": "Acme"]]), context: context)
            #expect(updated.summary == "Updated Account 001.")
        }
    }

    @Test("generic REST: operations from YAML fill path, query and body; a missing required parameter is refused")
    func rest() async throws {
        let directory = try TemporaryDirectory()
        try """
        name: tickets
        kind: rest
        base_url: http://127.0.0.1:1
        audience: api://tickets
        scopes: [tickets.read]
        operations:
          - name: get_ticket
            method: GET
            path: /tickets/{id}
            parameters:
              - {name: id, in: path}
              - {name: expand, in: query}
          - name: comment
            method: POST
            path: /tickets/{id}/comments
            parameters:
              - {name: id, in: path}
              - {name: text, in: body, required: true}
        """.write(toFile: directory.file("tickets.yaml"), atomically: true, encoding: .utf8)
        let definition = try ConnectorDefinition.load(file: directory.file("tickets.yaml"), environment: [:])
        #expect(definition.operations.map(\.name) == ["get_ticket", "comment"])
        try await Self.withFake({ router in
            router.get("tickets/:id") { request, context in
                Self.json(#"{"id":"\#(context.parameters.get("id")!)","expand":"\#(request.uri.queryParameters.get("expand") ?? "")"}"#)
            }
            router.post("tickets/:id/comments") { request, _ in
                let body = try await request.body.collect(upTo: 10_000)
                return Self.json(String(buffer: body), status: .created)
            }
        }) { url in
            let tickets = RESTConnector(
                name: "tickets", baseURL: url, audience: definition.audience, scopes: definition.scopes, operations: definition.operations)
            let context = CallLog().context(ScriptedCredentials(["t"]))
            let ticket = try await tickets.execute(ToolCall(tool: "get_ticket", arguments: ["id": "T-1", "expand": "all"]), context: context)
            #expect(ticket.content == ["id": "T-1", "expand": "all"])
            let comment = try await tickets.execute(ToolCall(tool: "comment", arguments: ["id": "T-1", "text": "hi"]), context: context)
            #expect(comment.content == ["text": "hi"])
            await #expect(throws: ConnectorError.invalidArguments(tool: "comment", problem: "'text' is required")) {
                _ = try await tickets.execute(ToolCall(tool: "comment", arguments: ["id": "T-1"]), context: context)
            }
        }
    }

    @Test("definition errors name the file and the field")
    func definitionErrors() throws {
        let directory = try TemporaryDirectory()
        let cases = [
            ("name: x\nkind: servicenow\naudience: api://x\n", "base_url"),
            ("name: x\nkind: jira\nbase_url: http://h\n", "kind"),
            ("name: x\nkind: rest\nbase_url: http://h\naudience: a\noperations:\n  - name: o\n    method: GET\n    path: \"/t/{id}\"\n", "path"),
            ("name: x\nkind: servicenow\nbase_url: http://h\naudience: a\ncolour: blue\n", "colour"),
        ]
        for (index, (yaml, field)) in cases.enumerated() {
            let file = directory.file("c\(index).yaml")
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            #expect {
                _ = try ConnectorDefinition.load(file: file, environment: [:])
            } throws: { error in
                "\(error)".contains(file) && "\(error)".contains(field)
            }
        }
    }
}
