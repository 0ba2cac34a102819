import BatonCore

/// Why the IdP did not exchange a token, in the terms a caller can act on.
///
/// `code` is the AADSTS number when the IdP sent one. Messages carry the IdP's first
/// description line (which names apps and scopes, never tokens).
public enum ExchangeError: BatonError, Equatable {
    /// The user or an admin must consent (AADSTS65001).
    case consentRequired(code: Int?, message: String)
    /// The user must interact (MFA, Conditional Access); `claims` is the challenge to pass back unchanged.
    case interactionRequired(claims: String?, code: Int?, message: String)
    /// The client's identity or credential was refused (AADSTS7000215, 700016, 700027…).
    case invalidClient(code: Int?, message: String)
    /// The resource or scope does not exist or is not allowed (AADSTS70011, 500011, 650057…).
    case invalidScope(code: Int?, message: String)
    /// The token in hand was not issued for this client (AADSTS500131).
    case assertionAudienceMismatch(message: String)
    /// The token in hand has expired (AADSTS500133).
    case assertionExpired(message: String)
    /// Any other refusal of the grant; never retried.
    case invalidGrant(code: Int?, message: String)
    /// The IdP kept answering 429.
    case throttled(retryAfter: Int?)
    /// The IdP could not be reached or kept failing (network, timeout, 5xx).
    case unavailable(reason: String)
    /// The IdP answered something that is not a token response.
    case unexpectedResponse(reason: String)
    /// A long-running session has no refresh token left: never started, purged, or past its maximum age.
    case sessionUnavailable(reason: String)
    /// The exchange was not attempted: what must be recorded before an identity provider
    /// request could not be made durable.
    case notRecorded(reason: String)

    public var code: String {
        switch self {
        case .consentRequired: "consent_required"
        case .interactionRequired: "interaction_required"
        case .invalidClient: "invalid_client"
        case .invalidScope: "invalid_scope"
        case .assertionAudienceMismatch: "assertion_audience_mismatch"
        case .assertionExpired: "assertion_expired"
        case .invalidGrant: "invalid_grant"
        case .throttled: "idp_throttled"
        case .unavailable: "idp_unavailable"
        case .unexpectedResponse: "idp_unexpected_response"
        case .sessionUnavailable: "session_unavailable"
        case .notRecorded: "audit_failed"
        }
    }

    public var description: String {
        switch self {
        case .consentRequired(_, let message): "consent is required: \(message)"
        case .interactionRequired(_, _, let message): "the user must interact with the identity provider: \(message)"
        case .invalidClient(_, let message): "the identity provider refused the client: \(message)"
        case .invalidScope(_, let message): "the identity provider refused the resource or scope: \(message)"
        case .assertionAudienceMismatch(let message): "the token in hand was not issued for this agent: \(message)"
        case .assertionExpired(let message): "the token in hand has expired: \(message)"
        case .invalidGrant(_, let message): "the identity provider refused the exchange: \(message)"
        case .throttled(let retryAfter): "the identity provider is throttling requests" + (retryAfter.map { " (retry after \($0) s)" } ?? "")
        case .unavailable(let reason): "the identity provider is unavailable: \(reason)"
        case .unexpectedResponse(let reason): "the identity provider answered unexpectedly: \(reason)"
        case .sessionUnavailable(let reason): "the long-running session cannot continue: \(reason)"
        case .notRecorded(let reason): "the exchange was not attempted: the ledger could not record the steps before it (\(reason))"
        }
    }

    /// Maps an OAuth/Entra error body (§2.5) to a case.
    static func from(error: String, codes: [Int], description: String?, suberror: String?, claims: String?) -> ExchangeError {
        let code = codes.first
        let message = description?.components(separatedBy: "\r\n").first?.components(separatedBy: "\n").first ?? error
        let interactionCodes: Set<Int> = [50076, 50079, 50078, 50158, 53003, 53000, 53001]
        if error == "interaction_required" || codes.contains(where: interactionCodes.contains) || claims != nil {
            return .interactionRequired(claims: claims, code: code, message: message)
        }
        if error == "consent_required" || suberror == "consent_required" || codes.contains(65001) {
            return .consentRequired(code: code, message: message)
        }
        if codes.contains(500131) { return .assertionAudienceMismatch(message: message) }
        if codes.contains(500133) { return .assertionExpired(message: message) }
        switch error {
        case "invalid_client", "unauthorized_client": return .invalidClient(code: code, message: message)
        case "invalid_scope", "invalid_resource", "invalid_target": return .invalidScope(code: code, message: message)
        case "temporarily_unavailable", "server_error": return .unavailable(reason: message)
        default: return .invalidGrant(code: code, message: message)
        }
    }
}
