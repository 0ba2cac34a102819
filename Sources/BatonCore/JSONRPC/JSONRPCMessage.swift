/// One JSON-RPC 2.0 message a client sends, read strictly: a request (with an id) or a
/// notification (without).
///
/// The envelope A2A and MCP share; each protocol decides what it accepts (A2A takes no
/// notifications) and names its own errors. Batches are not read: neither protocol allows
/// them over HTTP.
public struct JSONRPCMessage: Sendable {
    /// The id (a string or a number); `nil` for a notification.
    public let id: JSONValue?
    public let method: String
    /// The `params` object (empty when absent).
    public let params: JSONValue

    public init(id: JSONValue?, method: String, params: JSONValue) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Why a body is not a JSON-RPC message, with the id to answer with when one could be read.
    public struct Failure: Error, Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Not JSON at all: JSON-RPC's -32700.
            case parseError
            /// JSON, but not one request object: -32600.
            case invalidRequest
        }

        public let kind: Kind
        public let message: String
        public let id: JSONValue

        /// The JSON-RPC error code of this failure.
        public var code: Int { kind == .parseError ? -32700 : -32600 }
    }

    /// Reads a request body: one JSON object with `"jsonrpc": "2.0"`, a non-empty method,
    /// an id that is a string or a number if present, and params that are an object if present.
    public static func parse(_ body: some Collection<UInt8>) -> Result<JSONRPCMessage, Failure> {
        let value: JSONValue
        do {
            value = try StrictJSONParser.parse(body)
        } catch {
            return .failure(Failure(kind: .parseError, message: "the body is not valid JSON (\(error))", id: .null))
        }
        guard case .object(let members) = value else {
            return .failure(
                Failure(kind: .invalidRequest, message: "the body must be one JSON-RPC request object (batches are not supported)", id: .null))
        }
        let id = members["id"]
        let answerID = id.flatMap { $0.isValidID ? $0 : nil } ?? .null
        func refuse(_ message: String) -> Result<JSONRPCMessage, Failure> {
            .failure(Failure(kind: .invalidRequest, message: message, id: answerID))
        }
        guard members["jsonrpc"] == "2.0" else { return refuse(#"the request must say "jsonrpc": "2.0""#) }
        if let id, !id.isValidID { return refuse("the request's id must be a string or a number") }
        guard case .string(let method)? = members["method"], !method.isEmpty else { return refuse("the request needs a method name") }
        let params = members["params"] ?? [:]
        guard case .object = params else { return refuse("params must be an object") }
        return .success(JSONRPCMessage(id: id, method: method, params: params))
    }

    /// A response carrying `result` for request `id`.
    public static func result(_ result: JSONValue, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// A response carrying an error for request `id` (`null` when the request's id could not be read).
    public static func error(code: Int, message: String, data: JSONValue? = nil, id: JSONValue) -> JSONValue {
        var error: JSONObject = ["code": .integer(Int64(code)), "message": .string(message)]
        error["data"] = data
        return ["jsonrpc": "2.0", "id": id, "error": .object(error)]
    }
}

extension JSONValue {
    /// A JSON-RPC id: a string or a number.
    fileprivate var isValidID: Bool {
        switch self {
        case .string, .integer: true
        default: false
        }
    }
}
