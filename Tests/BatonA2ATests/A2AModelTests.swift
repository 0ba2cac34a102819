import BatonCore
import Foundation
import Testing

@testable import BatonA2A

@Suite("The A2A model: ProtoJSON as a2a-sdk writes it, and JSON-RPC requests read strictly")
struct A2AModelTests {
    static let task = A2ATask(
        id: "t-1", contextId: "c-1",
        status: A2ATaskStatus(
            state: .completed,
            message: A2AMessage(messageId: "m-2", contextId: "c-1", taskId: "t-1", role: .agent, parts: [.text("done")], metadata: ["code": "x"])),
        artifacts: [A2AArtifact(artifactId: "a-1", name: "answer", parts: [.text("five"), .data(["incidents": [1, 2]])])],
        history: [A2AMessage(messageId: "m-1", role: .user, parts: [.text("Show me 5 incidents assigned to me")])], metadata: ["batonChainId": "ch"])

    @Test("the hand-built JSON of a task is exactly its Codable encoding, and decodes back to the same task")
    func fastJSONMatchesCodable() throws {
        #expect(Self.task.json == (try JSONValue(encoding: Self.task)))
        let decoded = try JSONDecoder().decode(A2ATask.self, from: Data(Self.task.json.serialized))
        #expect(decoded == Self.task)
        let text = String(decoding: Self.task.json.serialized, as: UTF8.self)
        #expect(text.contains(#""state":"TASK_STATE_COMPLETED""#) && text.contains(#""role":"ROLE_AGENT""#))
        #expect(!text.contains("null"), "absent fields are left out, as ProtoJSON does")
    }

    @Test("a task read from its parsed JSON is the task, as JSONDecoder reads it, with the parts, raw, url and extensions fields too")
    func readsParsedJSON() throws {
        #expect(try A2ATask(json: Self.task.json, path: "") == Self.task)
        var message = A2AMessage(messageId: "m-3", role: .user, parts: [.text("x")])
        message.extensions = ["https://example.com/ext"]
        message.referenceTaskIds = ["t-0"]
        message.parts.append(try A2APart(json: ["raw": "AAEC", "filename": "log.txt", "mediaType": "text/plain", "metadata": ["k": 1]], path: ""))
        message.parts.append(try A2APart(json: ["url": "https://example.com/f"], path: ""))
        let read = try A2AMessage(json: message.json, path: "message")
        #expect(read == message)
        #expect(read == (try JSONDecoder().decode(A2AMessage.self, from: Data(message.json.serialized))))
        // null is absent, as for JSONDecoder's optionals; unknown members are ignored.
        let lenient = try A2AMessage(json: ["messageId": "m", "role": "ROLE_USER", "parts": [], "contextId": .null, "future": 1], path: "")
        #expect(lenient.contextId == nil)
    }

    @Test(
        "a field that is missing, null where required, mistyped or not a known value is an invalid-params error naming it",
        arguments: [
            (#"{"message":{"role":"ROLE_USER","parts":[]}}"#, "message.messageId is required"),
            (#"{"message":{"messageId":null,"role":"ROLE_USER","parts":[]}}"#, "message.messageId has the wrong type"),
            (#"{"message":{"messageId":1,"role":"ROLE_USER","parts":[]}}"#, "message.messageId has the wrong type"),
            (#"{"message":{"messageId":"m","role":"ROLE_BOSS","parts":[]}}"#, "message.role is not valid: 'ROLE_BOSS' is not a known value"),
            (#"{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"a"},{"text":5}]}}"#, "message.parts[1].text has the wrong type"),
            (#"{"message":{"messageId":"m","role":"ROLE_USER","parts":{}}}"#, "message.parts has the wrong type"),
            (#"{"message":{"messageId":"m","role":"ROLE_USER","parts":[],"extensions":["a",2]}}"#, "message.extensions[1] has the wrong type"),
            (#"{"message":"hello"}"#, "message has the wrong type"),
            (#"{}"#, "message is required"),
        ])
    func readingRefusals(params: String, message: String) throws {
        let request = try JSONRPCRequest.parse(Array(#"{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":\#(params)}"#.utf8)).get()
        #expect(throws: A2AError.invalidParams(message)) { try request.readParams(MessageParams.self) }
    }

    @Test("timestamps are RFC 3339 UTC with microseconds")
    func timestamps() {
        #expect(A2ATimestamp.string(Date(timeIntervalSince1970: 1_796_179_297.234277)) == "2026-12-02T02:41:37.234277Z")
        #expect(A2ATimestamp.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000000Z")
    }

    @Test(
        "requests: the id is echoed when it can be read, and each malformation has its code",
        arguments: [
            (#"{"jsonrpc":"2.0","id":"x","method":"GetTask","params":{"id":"t"}}"#, 0, JSONValue.string("x")),
            (#"{"jsonrpc":"2.0","id":7,"method":"GetTask"}"#, 0, JSONValue.integer(7)),
            ("{", -32700, JSONValue.null),
            (#"{"a":1,"a":2}"#, -32700, JSONValue.null),
            ("[]", -32600, JSONValue.null),
            (#"{"jsonrpc":"1.0","id":3,"method":"GetTask"}"#, -32600, JSONValue.integer(3)),
            (#"{"jsonrpc":"2.0","method":"GetTask"}"#, -32600, JSONValue.null),
            (#"{"jsonrpc":"2.0","id":{"x":1},"method":"GetTask"}"#, -32600, JSONValue.null),
            (#"{"jsonrpc":"2.0","id":4,"method":""}"#, -32600, JSONValue.integer(4)),
            (#"{"jsonrpc":"2.0","id":5,"method":"GetTask","params":"x"}"#, -32600, JSONValue.integer(5)),
        ])
    func requests(body: String, code: Int, id: JSONValue) {
        switch JSONRPCRequest.parse(Array(body.utf8)) {
        case .success(let request):
            #expect(code == 0, "\(body) was accepted")
            #expect(request.id == id)
        case .failure(let failure):
            #expect(failure.error.code == code, "\(body): \(failure.error)")
            #expect(failure.id == id)
        }
    }

    @Test("params that do not fit name the field")
    func invalidParams() throws {
        let request = try JSONRPCRequest.parse(
            Array(#"{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"role":"ROLE_USER","parts":[]}}}"#.utf8)
        ).get()
        #expect(throws: A2AError.invalidParams("message.messageId is required")) { try request.readParams(MessageParams.self) }
    }
}

/// Params holding one message, as SendMessage's do.
private struct MessageParams: JSONReadable {
    var message: A2AMessage

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        message = try JSONFields(json, path: path).read("message")
    }
}
