import BatonCore

/// A JSON-RPC error as A2A 1.0 names it: the standard JSON-RPC codes and A2A's own
/// (-32001…-32009). Always answered with HTTP 200: A2A clients read errors from the body.
public enum A2AError: Error, Sendable, Equatable {
    case parseError(String)
    case invalidRequest(String)
    case methodNotFound(String)
    case invalidParams(String)
    case internalError(String)
    case taskNotFound(String)
    case taskNotCancelable(String)
    case pushNotificationNotSupported
    case unsupportedOperation(String)
    case contentTypeNotSupported(String)
    case invalidAgentResponse(String)
    case extendedAgentCardNotConfigured
    case extensionSupportRequired(String)
    case versionNotSupported(String)

    public var code: Int {
        switch self {
        case .parseError: -32700
        case .invalidRequest: -32600
        case .methodNotFound: -32601
        case .invalidParams: -32602
        case .internalError: -32603
        case .taskNotFound: -32001
        case .taskNotCancelable: -32002
        case .pushNotificationNotSupported: -32003
        case .unsupportedOperation: -32004
        case .contentTypeNotSupported: -32005
        case .invalidAgentResponse: -32006
        case .extendedAgentCardNotConfigured: -32007
        case .extensionSupportRequired: -32008
        case .versionNotSupported: -32009
        }
    }

    /// The `google.rpc.ErrorInfo` reason A2A gives the code.
    public var reason: String {
        switch self {
        case .parseError: "PARSE_ERROR"
        case .invalidRequest: "INVALID_REQUEST"
        case .methodNotFound: "METHOD_NOT_FOUND"
        case .invalidParams: "INVALID_PARAMS"
        case .internalError: "INTERNAL_ERROR"
        case .taskNotFound: "TASK_NOT_FOUND"
        case .taskNotCancelable: "TASK_NOT_CANCELABLE"
        case .pushNotificationNotSupported: "PUSH_NOTIFICATION_NOT_SUPPORTED"
        case .unsupportedOperation: "UNSUPPORTED_OPERATION"
        case .contentTypeNotSupported: "CONTENT_TYPE_NOT_SUPPORTED"
        case .invalidAgentResponse: "INVALID_AGENT_RESPONSE"
        case .extendedAgentCardNotConfigured: "EXTENDED_AGENT_CARD_NOT_CONFIGURED"
        case .extensionSupportRequired: "EXTENSION_SUPPORT_REQUIRED"
        case .versionNotSupported: "VERSION_NOT_SUPPORTED"
        }
    }

    public var message: String {
        switch self {
        case .parseError(let detail), .invalidRequest(let detail), .methodNotFound(let detail), .invalidParams(let detail),
            .internalError(let detail), .taskNotFound(let detail), .taskNotCancelable(let detail), .unsupportedOperation(let detail),
            .contentTypeNotSupported(let detail), .invalidAgentResponse(let detail), .extensionSupportRequired(let detail),
            .versionNotSupported(let detail):
            detail
        case .pushNotificationNotSupported: "push notifications are not supported"
        case .extendedAgentCardNotConfigured: "no extended agent card is configured"
        }
    }

    /// The JSON-RPC `error` member, with A2A's `ErrorInfo` detail.
    public var json: JSONValue {
        let info: JSONValue = [
            "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": .string(reason), "domain": "a2a-protocol.org", "metadata": [:],
        ]
        return ["code": .integer(Int64(code)), "message": .string(message), "data": [info]]
    }
}

extension A2AError {
    /// The HTTP status the HTTP+JSON binding answers this error with (A2A 1.0 §11.6).
    public var httpStatus: Int {
        switch self {
        case .taskNotFound, .methodNotFound: 404
        case .internalError, .invalidAgentResponse: 500
        default: 400
        }
    }

    /// The `google.rpc.Code` name of the HTTP+JSON binding's error body.
    public var statusName: String {
        switch self {
        case .taskNotFound, .methodNotFound: "NOT_FOUND"
        case .internalError, .invalidAgentResponse: "INTERNAL"
        case .parseError, .invalidRequest, .invalidParams, .contentTypeNotSupported: "INVALID_ARGUMENT"
        case .taskNotCancelable, .pushNotificationNotSupported, .unsupportedOperation, .extendedAgentCardNotConfigured,
            .extensionSupportRequired, .versionNotSupported:
            "FAILED_PRECONDITION"
        }
    }

    /// The error as the HTTP+JSON binding writes it: a `google.rpc.Status` whose details
    /// carry the same `ErrorInfo` as the JSON-RPC error's data.
    public var statusJSON: JSONValue {
        let details = json.objectValue?["data"] ?? []
        return ["error": ["code": .integer(Int64(httpStatus)), "status": .string(statusName), "message": .string(message), "details": details]]
    }
}
