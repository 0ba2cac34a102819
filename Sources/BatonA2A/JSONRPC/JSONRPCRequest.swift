import BatonCore
import Foundation

/// One JSON-RPC 2.0 request, checked as the specification requires.
public struct JSONRPCRequest: Sendable {
    /// The request's id (a string or a number); echoed in the response.
    public let id: JSONValue
    public let method: String
    /// The `params` object (empty when absent).
    public let params: JSONValue

    /// Reads a request body.
    ///
    /// - Throws: ``A2AError/parseError(_:)`` for bytes that are not JSON,
    ///   ``A2AError/invalidRequest(_:)`` for JSON that is not a request; with the id when
    ///   one could be read, so the error response can carry it.
    /// A request made in code: what an HTTP+JSON call means in JSON-RPC terms.
    public init(id: JSONValue = .null, method: String, params: JSONValue) {
        self.id = id
        self.method = method
        self.params = params
    }

    public static func parse(_ body: some Collection<UInt8>) -> Result<JSONRPCRequest, Failure> {
        let value: JSONValue
        do {
            value = try StrictJSONParser.parse(body)
        } catch {
            return .failure(Failure(error: .parseError("the body is not valid JSON (\(error))"), id: .null))
        }
        guard case .object(let members) = value else {
            return .failure(Failure(error: .invalidRequest("the body must be one JSON-RPC request object (batches are not supported)"), id: .null))
        }
        let id = members["id"] ?? .null
        func refuse(_ message: String) -> Result<JSONRPCRequest, Failure> {
            .failure(Failure(error: .invalidRequest(message), id: id.isValidID ? id : .null))
        }
        guard members["jsonrpc"] == "2.0" else { return refuse(#"the request must say "jsonrpc": "2.0""#) }
        guard id.isValidID, members["id"] != nil else { return refuse("the request needs an id: a string or a number") }
        guard case .string(let method)? = members["method"], !method.isEmpty else { return refuse("the request needs a method name") }
        let params = members["params"] ?? [:]
        guard case .object = params else { return refuse("params must be an object") }
        return .success(JSONRPCRequest(id: id, method: method, params: params))
    }

    /// A request that could not be read, and the id to answer it with.
    public struct Failure: Error, Sendable {
        public let error: A2AError
        public let id: JSONValue
    }

    /// The params read as `T` from the parsed request (no second parse); a missing or
    /// mistyped field is an invalid-params error naming it (`message.parts[0].text`).
    public func readParams<T: JSONReadable>(_ type: T.Type) throws(A2AError) -> T {
        do throws(JSONShapeError) {
            return try T(json: params, path: "")
        } catch {
            throw .invalidParams(error.description)
        }
    }
}

/// A JSON-RPC response body: a result or an error for a request id.
public enum JSONRPCResponse {
    public static func result(_ result: JSONValue, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    public static func error(_ error: A2AError, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.json]
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
