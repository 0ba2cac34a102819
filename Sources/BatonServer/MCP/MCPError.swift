import BatonCore

/// A JSON-RPC error as MCP names it: the standard codes and the 2026-07-28 revision's own
/// (-32020…-32022), each with the HTTP status the revision gives it.
enum MCPError: Error, Sendable, Equatable {
    case parseError(String)
    case invalidRequest(String)
    case methodNotFound(String)
    case invalidParams(String)
    case internalError(String)
    /// A routing header (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) is missing or disagrees with the body.
    case headerMismatch(String)
    /// The requested protocol version is not served; `data` names the ones that are.
    case unsupportedVersion(requested: String)

    var code: Int {
        switch self {
        case .parseError: -32700
        case .invalidRequest: -32600
        case .methodNotFound: -32601
        case .invalidParams: -32602
        case .internalError: -32603
        case .headerMismatch: -32020
        case .unsupportedVersion: -32022
        }
    }

    var message: String {
        switch self {
        case .parseError(let text), .invalidRequest(let text), .methodNotFound(let text), .invalidParams(let text), .internalError(let text),
            .headerMismatch(let text):
            text
        case .unsupportedVersion(let requested): "Unsupported protocol version '\(requested)'"
        }
    }

    var data: JSONValue? {
        switch self {
        case .unsupportedVersion(let requested):
            ["supported": .array(MCPRevision.all.map { .string($0.rawValue) }), "requested": .string(requested)]
        case .methodNotFound(let method): .string(method)
        default: nil
        }
    }

    /// The HTTP status of this error on the 2026-07-28 revision (the 2025-11-25 one answers
    /// request errors with 200, except for the transport's own).
    var modernStatus: Int {
        switch self {
        case .parseError, .invalidRequest, .invalidParams, .headerMismatch, .unsupportedVersion: 400
        case .methodNotFound: 404
        case .internalError: 200
        }
    }

    /// The JSON-RPC error response to request `id`.
    func response(id: JSONValue) -> JSONValue {
        JSONRPCMessage.error(code: code, message: message, data: data, id: id)
    }
}
