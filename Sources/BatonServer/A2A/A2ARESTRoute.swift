import BatonA2A
import BatonCore
import Hummingbird

/// The HTTP+JSON binding's routes under an agent's URL, each read as the JSON-RPC call it
/// means (A2A 1.0 §11): `POST message:send`, `POST message:stream`, `GET tasks/{id}`,
/// `GET tasks`, `POST tasks/{id}:cancel`, `GET`/`POST tasks/{id}:subscribe`,
/// `GET extendedAgentCard` and the push-notification configs (not supported).
enum A2ARESTRoute {
    /// The call `method path` makes, with its params from the query and the body.
    static func call(method: HTTPRequest.Method, path: [Substring], query: Parameters, body: JSONValue) throws(A2AError) -> JSONRPCRequest {
        guard case .object(var params) = body else { throw .invalidRequest("the body must be a JSON object") }
        let segments = path.map(String.init)
        let (first, second) = (segments.first ?? "", segments.count > 1 ? segments[1] : "")
        let name: String
        switch (method, segments.count, first) {
        case (.post, 1, "message:send"): name = "SendMessage"
        case (.post, 1, "message:stream"): name = "SendStreamingMessage"
        case (.get, 1, "extendedAgentCard"): name = "GetExtendedAgentCard"
        case (.get, 1, "tasks"):
            name = "ListTasks"
            params = try parameters(query, integers: ["pageSize", "historyLength"], booleans: ["includeArtifacts"])
        case (.get, 2, "tasks") where !second.contains(":"):
            name = "GetTask"
            params = try parameters(query, integers: ["historyLength"], booleans: [])
            params["id"] = .string(second)
        case (.post, 2, "tasks") where second.hasSuffix(":cancel"):
            name = "CancelTask"
            params["id"] = .string(String(second.dropLast(":cancel".count)))
        case (.post, 2, "tasks") where second.hasSuffix(":subscribe"), (.get, 2, "tasks") where second.hasSuffix(":subscribe"):
            name = "SubscribeToTask"
            params = ["id": .string(String(second.dropLast(":subscribe".count)))]
        case (_, 3..., "tasks") where segments[2] == "pushNotificationConfigs":
            throw .pushNotificationNotSupported
        default:
            throw .methodNotFound(
                "no A2A route \(method.rawValue) /\(segments.joined(separator: "/")) (A2A 1.0 HTTP+JSON routes such as POST message:send)")
        }
        return JSONRPCRequest(method: name, params: .object(params))
    }

    /// Query parameters as params: the named ones as integers or booleans, the rest as strings.
    private static func parameters(_ query: Parameters, integers: Set<String>, booleans: Set<String>) throws(A2AError) -> [String: JSONValue] {
        var params: [String: JSONValue] = [:]
        for (key, value) in query {
            let name = String(key)
            if integers.contains(name) {
                guard let number = Int64(value) else { throw .invalidParams("\(name) must be an integer") }
                params[name] = .integer(number)
            } else if booleans.contains(name) {
                guard let flag = Bool(String(value)) else { throw .invalidParams("\(name) must be true or false") }
                params[name] = .bool(flag)
            } else {
                params[name] = .string(String(value))
            }
        }
        return params
    }
}
