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
