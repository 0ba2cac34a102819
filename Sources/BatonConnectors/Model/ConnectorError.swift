import BatonCore

/// Why a tool call failed, in words a user can act on. Never carries a token.
public enum ConnectorError: BatonError, Equatable {
    case unknownTool(connector: String, tool: String)
    case invalidArguments(tool: String, problem: String)
    /// The downstream refused the token even after one re-exchange.
    case notAuthenticated(connector: String, message: String)
    /// 403: the user may not do this; the downstream's own reason.
    case notPermitted(connector: String, message: String)
    case notFound(connector: String, message: String)
    /// 429 after the bounded retries.
    case throttled(connector: String, retryAfter: Int?)
    /// The downstream demands more of the user (e.g. MFA): the claims challenge, verbatim.
    case claimsChallenge(connector: String, claims: String)
    /// Any other refusal or fault, with the downstream's message.
    case downstream(connector: String, status: Int, message: String)
    /// No usable answer: network failure, timeout, or a body that is not what the API sends.
    case unavailable(connector: String, reason: String)
    /// The token for the downstream could not be obtained (the exchange failed).
    case credentials(connector: String, reason: String)
    /// The audit ledger could not record the call: the chain stops (fail closed).
    case auditFailed(reason: String)

    /// A stable code for APIs, metrics and the ledger.
    public var code: String {
        switch self {
        case .unknownTool: "unknown_tool"
        case .invalidArguments: "invalid_arguments"
        case .notAuthenticated: "downstream_not_authenticated"
        case .notPermitted: "not_permitted"
        case .notFound: "not_found"
        case .throttled: "throttled"
        case .claimsChallenge: "claims_challenge"
        case .downstream: "downstream_error"
        case .unavailable: "downstream_unavailable"
        case .credentials: "credentials_unavailable"
        case .auditFailed: "audit_failed"
        }
    }

    public var description: String {
        switch self {
        case .unknownTool(let connector, let tool): "\(connector) has no tool '\(tool)'"
        case .invalidArguments(let tool, let problem): "invalid arguments for \(tool): \(problem)"
        case .notAuthenticated(let connector, let message): "\(connector) did not accept the user's token: \(message)"
        case .notPermitted(let connector, let message): "not permitted for this user by \(connector): \(message)"
        case .notFound(let connector, let message): "\(connector): not found or not visible to this user: \(message)"
        case .throttled(let connector, let retryAfter): "\(connector) is throttling requests" + (retryAfter.map { "; retry after \($0) s" } ?? "")
        case .claimsChallenge(let connector, _): "\(connector) requires the user to sign in again (claims challenge)"
        case .downstream(let connector, let status, let message): "\(connector) answered \(status): \(message)"
        case .unavailable(let connector, let reason): "\(connector) is unavailable: \(reason)"
        case .credentials(let connector, let reason): "no token for \(connector): \(reason)"
        case .auditFailed(let reason): "the audit ledger could not record the call, so it was not made: \(reason)"
        }
    }
}
