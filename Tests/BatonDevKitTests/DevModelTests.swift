import BatonConfig
import BatonCore
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonDevKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("baton dev model: rules, Bedrock Converse and its event stream, OpenAI chat completions")
struct DevModelTests {
    static let logger = Logger(label: "test-dev-model")

    /// Two records as a Strands ServiceNow tool returns them: the Table API's answer.
    static let tableAnswer = """
        {"result":[{"number":"INC0012389","short_description":"Printer jams on floor 3","priority":"2",\
        "state":{"display_value":"In Progress","value":"2"}},\
        {"number":"INC0012390","short_description":"VPN drops","priority":"3","state":{"display_value":"New","value":"1"}}]}
        """
    static let rows = "- INC0012389 | Printer jams on floor 3 | 2 | In Progress\n- INC0012390 | VPN drops | 3 | New"
    static let incidentQuery: JSONValue = [
        "query": "assigned_to=javascript:gs.getUserID()^active=true^ORDERBYnumber", "limit": 5, "fields": "number,short_description,priority,state",
    ]

    static let querySchema: JSONValue = [
        "type": "object",
        "properties": ["query": ["type": "string"], "limit": ["type": "integer"], "fields": ["type": "string"]],
    ]
    static let getSchema: JSONValue = ["type": "object", "properties": ["number": ["type": "string"]], "required": ["number"]]

    /// `toolConfig` as Strands sends it.
    static let bedrockTools: JSONValue = [
        "tools": [
            ["toolSpec": ["name": "query_incidents", "description": "List incidents.", "inputSchema": ["json": querySchema]]],
            ["toolSpec": ["name": "get_incident", "description": "One incident.", "inputSchema": ["json": getSchema]]],
        ]
    ]

    // MARK: - Event-stream framing

    @Test("CRC-32 gives the standard check value and agrees with a bit-at-a-time computation, whole or in pieces")
    func crc32() {
        #expect(CRC32.checksum("123456789".utf8) == 0xCBF4_3926)
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(CRC32.checksum(bytes) == BitwiseCRC32.of(bytes))
        var pieces = CRC32()
        pieces.update(bytes[..<300])
        pieces.update(bytes[300...])
        #expect(pieces.value == CRC32.checksum(bytes))
    }

    @Test("an event frame decodes as botocore reads it: both lengths, both checksums, string headers, the payload")
    func eventFrame() throws {
        let payload = Array(#"{"contentBlockIndex":0,"delta":{"text":"Hi"}}"#.utf8)
        let frame = AWSEventStreamEncoder.event("contentBlockDelta", payload: payload)
        #expect(frame.count == 12 + (1 + 11 + 1 + 2 + 17) + (1 + 13 + 1 + 2 + 16) + (1 + 13 + 1 + 2 + 5) + payload.count + 4)
        let messages = try EventStreamFrames.decode(frame)
        #expect(messages.count == 1)
        #expect(messages.first?.headers == [":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"])
        #expect(messages.first?.payload == payload)

        var corrupted = frame
        corrupted[20] ^= 0x01
        #expect(throws: EventStreamFrames.Failure.messageChecksum) { try EventStreamFrames.decode(corrupted) }
    }

    // MARK: - Rules

    @Test("the shipped rules load: three tool rules and the fallback")
    func shippedRules() throws {
        let rules = try ModelRules(contentsOf: RepositoryPaths.path("dev/model.yaml"), environment: [:])
        #expect(rules.rules.map(\.tool) == ["query_incidents", "query_incidents", "get_incident", nil])
        #expect(rules.rules.last?.pattern == nil)
    }

    @Test("a broken rules file is refused naming the file, the line and the field")
    func brokenRules() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cases = [
            "rules:\n  - match: \"(unclosed\"\n    answer: x\n": ":2: rules[0].match: not a valid regular expression",
            "rules:\n  - match: x\n    answer: y\n    tol: z\n": ":4: rules[0].tol: unknown key",
            "rules:\n  - answer: a\n  - answer: b\n": "rules[0].match: required: only the last rule, the fallback, may leave it out",
            "rules:\n  - match: x\n": "rules[0].answer: required key is missing",
            "rules:\n  - match: x\n    answer: y\n    arguments:\n      a: b\n": "rules[0].arguments: arguments are a tool's input",
            "rules: []\n": "rules: the dev model needs at least one rule",
        ]
        for (yaml, problem) in cases {
            let path = try directory.write("model.yaml", yaml)
            let message: String
            do {
                _ = try ModelRules(contentsOf: path, environment: [:])
                message = "(loaded)"
            } catch {
                message = error.description
            }
            #expect(message.hasPrefix(path), "\(yaml)")
            #expect(message.contains(problem), "\(message)")
        }
    }

    @Test("arguments take the type the tool's schema declares; a tool not offered under that exact name is not called")
    func decisions() throws {
        let rules = try ModelRules(contentsOf: RepositoryPaths.path("dev/model.yaml"), environment: [:])
        let ask = { (text: String, tools: [String: JSONValue]) throws -> ModelReply in
            try ModelConversation(messages: [.init(role: .user, texts: [text])], tools: tools).reply(following: rules, logger: Self.logger)
        }
        guard case .toolCall(_, "query_incidents", let typed) = try ask("Show me 7 incidents assigned to me", ["query_incidents": Self.querySchema])
        else {
            Issue.record("no tool call")
            return
        }
        #expect(typed["limit"] == 7)
        guard case .toolCall(_, _, let untyped) = try ask("show me 7 incidents assigned to me", ["query_incidents": [:]]) else {
            Issue.record("no tool call")
            return
        }
        #expect(untyped["limit"] == "7", "a schema without the property leaves the value a string")
        #expect(
            try ask("What about INC0012389?", ["servicenow__get_incident": Self.getSchema]) == .text(""), "answers without the tool, {{rows}} empty")
        #expect(try ask("Hello", [:]) == .text("I can look up your ServiceNow incidents."))

        let after = ModelConversation(
            messages: [
                .init(role: .user, texts: ["What about INC0012389?"]), .init(role: .assistant), .init(role: .user, toolResults: ["not JSON"]),
            ],
            tools: [:])
        #expect(try after.reply(following: rules, logger: Self.logger) == .text("not JSON"), "{{rows}} is the result as is when it holds no records")
        #expect(throws: DevModelError.conversationNotAtUser) {
            try ModelConversation(messages: [.init(role: .user, texts: ["hi"]), .init(role: .assistant, texts: ["hello"])], tools: [:])
                .reply(following: rules, logger: Self.logger)
        }
    }

    @Test("an argument whose group took no part is left out; anyOf and boolean schemas type the rest; no matching rule says so")
    func optionalArguments() throws {
        let rules = try ModelRules(
            yaml: #"""
                rules:
                  - match: "(?i)^list(?: (\\d+))?"
                    tool: list_incidents
                    arguments: {limit: "$1", active: "true"}
                """#, path: "inline.yaml")
        let schema: JSONValue = [
            "type": "object", "properties": ["limit": ["anyOf": [["type": "integer"], ["type": "null"]]], "active": ["type": "boolean"]],
        ]
        let ask = { (text: String) throws -> ModelReply in
            try ModelConversation(messages: [.init(role: .user, texts: [text])], tools: ["list_incidents": schema]).reply(
                following: rules, logger: Self.logger)
        }
        guard case .toolCall(_, _, let without) = try ask("list"), case .toolCall(_, _, let with) = try ask("List 3") else {
            Issue.record("no tool call")
            return
        }
        #expect(without == ["active": true])
        #expect(with == ["limit": 3, "active": true])
        #expect(try ask("hello") == .text("No rule in inline.yaml matches: hello"))
    }

    @Test("text streams in at most four pieces that join back into it")
    func pieces() {
        for text in ["", "one", "Here are your incidents:\n- INC0012389 | Printer | 2 | New", "a  b   c d e f g h i"] {
            let pieces = ModelReply.pieces(of: text)
            #expect(pieces.joined() == text)
            #expect((1...4).contains(pieces.count))
        }
        #expect(ModelReply.pieces(of: "I can look up your ServiceNow incidents.").count == 4)
    }

    // MARK: - Bedrock Converse over HTTP

    @Test("Converse: the incidents question calls query_incidents with limit 5, then the result's rows are the answer")
    func converseRoundTrip() async throws {
        try await Self.withModel { url in
            let endpoint = "\(url)/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse"
            let question: JSONValue = ["role": "user", "content": [["text": "Show me 5 incidents assigned to me"]]]
            let first = try await post(endpoint, ["messages": [question], "system": [["text": "Be brief."]], "toolConfig": Self.bedrockTools])
            #expect(first.status == 200)
            let reply = try first.json()
            #expect(reply["stopReason"] == "tool_use")
            let toolUse = try #require(reply["output"]?["message"]?["content"]?[0]?["toolUse"])
            #expect(toolUse["name"] == "query_incidents")
            #expect(toolUse["input"] == Self.incidentQuery)
            let id = try #require(toolUse["toolUseId"]?.stringValue)
            #expect(id.hasPrefix("tooluse_"))
            #expect(reply["usage"]?["totalTokens"]?.integerValue ?? 0 > 0)

            // The result as a Strands tool returns json.dumps text, quoted once more.
            let quoted = String(decoding: JSONValue.string(Self.tableAnswer).serialized, as: UTF8.self)
            let result: JSONValue = [
                "role": "user", "content": [["toolResult": ["toolUseId": .string(id), "content": [["text": .string(quoted)]], "status": "success"]]],
            ]
            let second = try await post(
                endpoint,
                ["messages": [question, ["role": "assistant", "content": [["toolUse": toolUse]]], result], "toolConfig": Self.bedrockTools])
            let answer = try second.json()
            #expect(answer["stopReason"] == "end_turn")
            #expect(answer["output"]?["message"]?["content"]?[0]?["text"] == .string("Here are your incidents:\n\(Self.rows)"))
        }
    }

    @Test("ConverseStream: a tool call as start, input and stop events; an answer as several text deltas; then messageStop and metadata")
    func converseStream() async throws {
        try await Self.withModel { url in
            let endpoint = "\(url)/model/dev/converse-stream"
            let toolCall = try await post(
                endpoint, ["messages": [["role": "user", "content": [["text": "What is INC0012389 about?"]]]], "toolConfig": Self.bedrockTools])
            #expect(toolCall.status == 200)
            #expect(toolCall.headers["content-type"] == "application/vnd.amazon.eventstream")
            let events = try EventStreamFrames.decode(toolCall.body)
            #expect(
                events.map { $0.headers[":event-type"] } == [
                    "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
                ])
            #expect(events.allSatisfy { $0.headers[":message-type"] == "event" && $0.headers[":content-type"] == "application/json" })
            let payloads = try events.map { try JSONValue(parsing: $0.payload) }
            try #require(payloads.count == 6)
            #expect(payloads[0] == ["role": "assistant"])
            #expect(payloads[1]["start"]?["toolUse"]?["name"] == "get_incident")
            let input = try #require(payloads[2]["delta"]?["toolUse"]?["input"]?.stringValue)
            #expect(try JSONValue(parsing: Array(input.utf8)) == ["number": "INC0012389"])
            #expect(payloads[4] == ["stopReason": "tool_use"])
            #expect(payloads[5]["metrics"]?["latencyMs"]?.integerValue != nil)

            let text = try await post(endpoint, ["messages": [["role": "user", "content": [["text": "Hello"]]]]])
            let textEvents = try EventStreamFrames.decode(text.body)
            let deltas = try textEvents.filter { $0.headers[":event-type"] == "contentBlockDelta" }.map { try JSONValue(parsing: $0.payload) }
            #expect(deltas.count > 1)
            #expect(deltas.compactMap { $0["delta"]?["text"]?.stringValue }.joined() == "I can look up your ServiceNow incidents.")
            #expect(try textEvents.dropLast().last.map { try JSONValue(parsing: $0.payload) } == ["stopReason": "end_turn"])
        }
    }

    @Test("Bedrock errors: a conversation not ending with the user is a ValidationException, an unknown path a ResourceNotFoundException")
    func bedrockErrors() async throws {
        try await Self.withModel { url in
            let messages: JSONValue = [["role": "user", "content": [["text": "hi"]]], ["role": "assistant", "content": [["text": "hello"]]]]
            let refused = try await post("\(url)/model/dev/converse", ["messages": messages])
            #expect(refused.status == 400)
            #expect(refused.headers["x-amzn-errortype"] == "ValidationException")
            #expect(try refused.json()["message"]?.stringValue?.contains("must end with a user message") == true)

            let malformed = try await post("\(url)/model/dev/converse", ["messages": [["role": "user", "content": "hi"]]])
            #expect(malformed.status == 400)
            #expect(try malformed.json()["message"]?.stringValue?.contains("messages[0].content") == true)

            let unknown = try await post("\(url)/model/dev/invoke", [:])
            #expect(unknown.status == 404)
            #expect(unknown.headers["x-amzn-errortype"] == "ResourceNotFoundException")
        }
    }

    // MARK: - OpenAI chat completions over HTTP

    @Test("chat completions: a tool call with JSON-string arguments, then the answer from the tool message")
    func chatCompletionsRoundTrip() async throws {
        try await Self.withModel { url in
            let tools: JSONValue = [
                ["type": "function", "function": ["name": "get_incident", "description": "One incident.", "parameters": Self.getSchema]]
            ]
            let question: JSONValue = ["role": "user", "content": "What is INC0012389 about?"]
            let system: JSONValue = ["role": "system", "content": "Be brief."]
            let first = try await post("\(url)/v1/chat/completions", ["model": "dev", "messages": [system, question], "tools": tools])
            #expect(first.status == 200)
            let choice = try #require(try first.json()["choices"]?[0])
            #expect(choice["finish_reason"] == "tool_calls")
            let call = try #require(choice["message"]?["tool_calls"]?[0])
            #expect(call["function"]?["name"] == "get_incident")
            let arguments = try #require(call["function"]?["arguments"]?.stringValue)
            #expect(try JSONValue(parsing: Array(arguments.utf8)) == ["number": "INC0012389"])
            let id = try #require(call["id"]?.stringValue)

            let single =
                #"{"result":{"number":"INC0012389","short_description":"Printer jams on floor 3","state":{"display_value":"In Progress","value":"2"}}}"#
            let second = try await post(
                "\(url)/v1/chat/completions",
                [
                    "model": "dev", "tools": tools,
                    "messages": [
                        system, question, ["role": "assistant", "content": .null, "tool_calls": [call]],
                        ["role": "tool", "tool_call_id": .string(id), "content": .string(single)],
                    ],
                ])
            let answer = try #require(try second.json()["choices"]?[0])
            #expect(answer["finish_reason"] == "stop")
            #expect(answer["message"]?["content"] == "- INC0012389 | Printer jams on floor 3 | In Progress")
        }
    }

    @Test("chat completions with stream: true: SSE chunks whose content deltas join into the answer, ending in [DONE]")
    func chatCompletionsStream() async throws {
        try await Self.withModel { url in
            let response = try await post(
                "\(url)/v1/chat/completions",
                [
                    "model": "dev", "stream": true, "stream_options": ["include_usage": true],
                    "messages": [["role": "user", "content": [["type": "text", "text": "Hello"]]]],
                ])
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/event-stream")
            let events = String(decoding: response.body, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last == "data: [DONE]")
            let chunks = try events.dropLast().map { try JSONValue(parsing: Array($0.dropFirst("data: ".count).utf8)) }
            let contents = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.filter { !$0.isEmpty }
            #expect(contents.count > 1)
            #expect(contents.joined() == "I can look up your ServiceNow incidents.")
            #expect(chunks.compactMap { $0["choices"]?[0]?["finish_reason"]?.stringValue } == ["stop"])
            #expect(chunks.last?["usage"]?["total_tokens"]?.integerValue != nil)
        }
    }

    @Test("chat completions errors keep OpenAI's shape")
    func chatCompletionsErrors() async throws {
        try await Self.withModel { url in
            let malformed = try await post("\(url)/v1/chat/completions", ["model": "dev"])
            #expect(malformed.status == 400)
            #expect(try malformed.json()["error"]?["type"] == "invalid_request_error")
            #expect(try malformed.json()["error"]?["message"]?.stringValue?.contains("messages is required") == true)
            let unknown = try await post("\(url)/v1/embeddings", [:])
            #expect(unknown.status == 404)
            #expect(try unknown.json()["error"]?["type"] == "not_found_error")
        }
    }

    // MARK: - Support

    static func withModel<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let rules = try ModelRules(contentsOf: RepositoryPaths.path("dev/model.yaml"), environment: [:])
        let server = DevModelServer(rules: rules, logger: logger)
        return try await LocalServer.run(logger: logger, { server.makeApplication(onRunning: $0) }, body: body)
    }
}

/// A response's status, lower-cased headers and raw body: an event stream is binary, which
/// `httpRequest`'s text body would mangle.
private struct RawResponse {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    func json() throws -> JSONValue {
        try JSONValue(parsing: body)
    }
}

private func post(_ url: String, _ body: JSONValue) async throws -> RawResponse {
    var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(body.serialized)
    return try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            guard let http = response as? HTTPURLResponse else {
                continuation.resume(throwing: error ?? URLError(.badServerResponse))
                return
            }
            var headers: [String: String] = [:]
            for case let (name as String, value) in http.allHeaderFields { headers[name.lowercased()] = "\(value)" }
            continuation.resume(returning: RawResponse(status: http.statusCode, headers: headers, body: Array(data ?? Data())))
        }
        .resume()
    }
}

/// botocore's `EventStreamBuffer` again, with a bit-at-a-time CRC, so a mistake in the
/// encoder's framing or its table-driven CRC is not mirrored here.
private enum EventStreamFrames {
    struct Message {
        var headers: [String: String]
        var payload: [UInt8]
    }

    enum Failure: Error, Equatable {
        case truncated
        case preludeChecksum
        case messageChecksum
        case headerType(UInt8)
    }

    static func decode(_ bytes: [UInt8]) throws(Failure) -> [Message] {
        var messages: [Message] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 16 else { throw .truncated }
            let total = Int(uint32(bytes, at: offset))
            let headersLength = Int(uint32(bytes, at: offset + 4))
            guard total >= 16 + headersLength, bytes.count - offset >= total else { throw .truncated }
            guard uint32(bytes, at: offset + 8) == BitwiseCRC32.of(bytes[offset..<offset + 8]) else { throw .preludeChecksum }
            guard uint32(bytes, at: offset + total - 4) == BitwiseCRC32.of(bytes[offset..<offset + total - 4]) else { throw .messageChecksum }
            let headersEnd = offset + 12 + headersLength
            messages.append(
                Message(headers: try headers(Array(bytes[offset + 12..<headersEnd])), payload: Array(bytes[headersEnd..<offset + total - 4])))
            offset += total
        }
        return messages
    }

    /// `[name length][name][type][value length: 2 bytes][value]` repeated; only strings (type 7) are expected.
    private static func headers(_ bytes: [UInt8]) throws(Failure) -> [String: String] {
        var headers: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            let nameEnd = index + 1 + Int(bytes[index])
            let name = String(decoding: bytes[(index + 1)..<nameEnd], as: UTF8.self)
            guard bytes[nameEnd] == 7 else { throw .headerType(bytes[nameEnd]) }
            let valueStart = nameEnd + 3
            let valueEnd = valueStart + (Int(bytes[nameEnd + 1]) << 8 | Int(bytes[nameEnd + 2]))
            headers[name] = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
            index = valueEnd
        }
        return headers
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}

/// CRC-32 one bit at a time, straight from the polynomial: the independent check of the table.
private enum BitwiseCRC32 {
    static func of(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}

extension JSONValue {
    /// Member `key` of an object, for reading answers in tests.
    fileprivate subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Element `index` of an array.
    fileprivate subscript(index: Int) -> JSONValue? {
        guard let items = arrayValue, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
