import BatonA2A
import BatonCore
internal import HTTPTypes
import Hummingbird

/// How an A2A call came and so how it is answered: the JSON-RPC binding (every answer an
/// HTTP 200 carrying a JSON-RPC response) or the HTTP+JSON binding (the result itself, or
/// the error as a `google.rpc.Status` with the HTTP status A2A names).
enum A2ABinding: Sendable {
    case jsonRPC
    case httpJSON

    /// The answer to call `id`.
    func answer(_ result: Result<JSONValue, A2AError>, id: JSONValue, headers: HTTPFields = [:]) -> Response {
        switch (self, result) {
        case (.jsonRPC, .success(let value)): HealthRoutes.json(.ok, bytes: JSONRPCResponse.result(value, id: id).serialized, headers: headers)
        case (.jsonRPC, .failure(let error)): HealthRoutes.json(.ok, bytes: JSONRPCResponse.error(error, id: id).serialized, headers: headers)
        case (.httpJSON, .success(let value)): HealthRoutes.json(.ok, bytes: value.serialized, headers: headers)
        case (.httpJSON, .failure(let error)):
            HealthRoutes.json(.init(code: error.httpStatus), bytes: error.statusJSON.serialized, headers: headers)
        }
    }

    /// The answer to call `id` whose result is `{"task": …}`, with the task's JSON already
    /// serialized (as it was for the store).
    func answer(task json: [UInt8], id: JSONValue, headers: HTTPFields = [:]) -> Response {
        HealthRoutes.json(.ok, bytes: taskResult(json, id: id), headers: headers)
    }

    /// The body of that answer: the same bytes as the result `{"task": …}` written whole.
    func taskResult(_ json: [UInt8], id: JSONValue) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(json.count + 64)
        if self == .jsonRPC {
            body.append(contentsOf: #"{"id":"#.utf8)
            body.append(contentsOf: id.serialized)
            body.append(contentsOf: #","jsonrpc":"2.0","result":"#.utf8)
        }
        body.append(contentsOf: #"{"task":"#.utf8)
        body.append(contentsOf: json)
        body.append(UInt8(ascii: "}"))
        if self == .jsonRPC { body.append(UInt8(ascii: "}")) }
        return body
    }

    /// One server-sent event of a stream answering call `id`; an error is named `error`.
    func event(_ result: Result<JSONValue, A2AError>, id: JSONValue) -> String {
        let (name, body): (String?, JSONValue) =
            switch (self, result) {
            case (.jsonRPC, .success(let value)): (nil, JSONRPCResponse.result(value, id: id))
            case (.jsonRPC, .failure(let error)): ("error", JSONRPCResponse.error(error, id: id))
            case (.httpJSON, .success(let value)): (nil, value)
            case (.httpJSON, .failure(let error)): ("error", error.statusJSON)
            }
        return (name.map { "event: \($0)\n" } ?? "") + "data: \(String(decoding: body.serialized, as: UTF8.self))\n\n"
    }
}
