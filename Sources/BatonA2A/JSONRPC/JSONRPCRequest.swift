import BatonCore
import Foundation

/// One JSON-RPC 2.0 request, checked as the specification requires.
public struct JSONRPCRequest: Sendable {
    /// The request's id (a string or a number); echoed in the response.
    public let id: JSONValue
    public let method: String
    /// The `params` object (empty when absent).
    public let params: JSONValue

    /// A request made in code: what an HTTP+JSON call means in JSON-RPC terms.
    public init(id: JSONValue = .null, method: String, params: JSONValue) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Reads a request body (``JSONRPCMessage/parse(_:)``); A2A takes requests only, so a
    /// message without an id is refused too.
    ///
    /// - Returns: on failure ``A2AError/parseError(_:)`` for bytes that are not JSON,
    ///   ``A2AError/invalidRequest(_:)`` for JSON that is not a request; with the id when
    ///   one could be read, so the error response can carry it.
    public static func parse(_ body: some Collection<UInt8>) -> Result<JSONRPCRequest, Failure> {
        switch JSONRPCMessage.parse(body) {
        case .failure(let failure):
            let error: A2AError = failure.kind == .parseError ? .parseError(failure.message) : .invalidRequest(failure.message)
            return .failure(Failure(error: error, id: failure.id))
        case .success(let message):
            guard let id = message.id else {
                return .failure(Failure(error: .invalidRequest("the request needs an id: a string or a number"), id: .null))
            }
            return .success(JSONRPCRequest(id: id, method: message.method, params: message.params))
        }
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
        JSONRPCMessage.result(result, id: id)
    }

    public static func error(_ error: A2AError, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.json]
    }
}
