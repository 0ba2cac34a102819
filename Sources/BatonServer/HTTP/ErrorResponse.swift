import BatonAgents
import BatonConfig
import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import BatonStorage
import BatonVault
import Foundation
internal import HTTPTypes
import Hummingbird

/// Every error the HTTP API answers with, mapped to a status, headers and an ``ErrorBody``
/// in this one place.
///
/// The rule: refusals of the caller are 401/403/404; bad input 400/413/415; policy
/// denials 403; an identity provider or downstream that is unavailable 502/503/504; a
/// vault, ledger or storage failure 503 with `Retry-After` — never a 4xx for a failure on
/// the server's side. The body always carries the error's stable code, and no message
/// carries a token.
///
/// ```swift
/// } catch {
///     return ErrorResponse(error).response()
/// }
/// ```
struct ErrorResponse: HTTPResponseError {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ErrorBody

    /// Seconds a client should wait before retrying after a vault or ledger failure.
    static let storageRetryAfter = 2

    init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.headers = headers
        self.body = ErrorBody(code: code, message: message)
    }

    /// Maps any error; one Baton does not know is a 500 whose message reveals nothing.
    init(_ error: any Error) {
        switch error {
        case let error as AgentError: self = Self.agent(error)
        case let error as TokenRejection: self = Self.rejection(error)
        case let error as ExchangeError: self = Self.exchange(error)
        case let error as ConnectorError: self = Self.connector(error)
        case let error as HTTPError: self = Self.http(error)
        case let error as LedgerError: self = Self.ledger(error)
        case let error as VaultError: self = Self.storage(error)
        case let error as StorageError: self = Self.storage(error)
        case let error as MigrationError: self = Self.storage(error)
        case let error as any BatonError: self.init(status: .internalServerError, code: error.code, message: error.description)
        default:
            self.init(status: .internalServerError, code: "internal", message: "internal error; the daemon's log has the details")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON response.
    func response() -> Response {
        HealthRoutes.json(status, bytes: (try? JSONEncoder().encode(body)) ?? Data(), headers: headers)
    }

    /// Whether the failure was the server's (5xx): logged as an error rather than a warning.
    var isServerFailure: Bool { status.code >= 500 }

    // MARK: - By error type

    private static func agent(_ error: AgentError) -> ErrorResponse {
        let message = error.description
        switch error {
        case .unknownAgent: return .init(status: .notFound, code: error.code, message: message)
        case .tokenRejected(_, let rejection): return Self.rejection(rejection, message: message)
        case .userMismatch, .denied: return .init(status: .forbidden, code: error.code, message: message)
        case .claimsChallenge(let claims, let message): return claimsChallenge(claims, code: error.code, message: message)
        case .exchangeFailed(_, let exchange): return Self.exchange(exchange, message: message)
        case .connector(let connector): return Self.connector(connector)
        case .timedOut: return .init(status: .gatewayTimeout, code: error.code, message: message)
        // nginx's "client closed request": only a caller that went away meets it.
        case .canceled: return .init(status: .init(code: 499, reasonPhrase: "Client Closed Request"), code: error.code, message: message)
        case .stepLimit, .brainFailed: return .init(status: .internalServerError, code: error.code, message: message)
        case .auditFailed: return .init(status: .serviceUnavailable, code: error.code, message: message, headers: retryAfter(storageRetryAfter))
        case .remoteFailed(_, let status, _):
            // The remote daemon's refusal of the caller passes through; anything else is a bad gateway.
            let passed: HTTPResponse.Status = [401, 403, 404, 429, 503, 504].contains(status) ? .init(code: status) : .badGateway
            return .init(status: passed, code: error.code, message: message)
        }
    }

    private static func rejection(_ rejection: TokenRejection, message: String? = nil) -> ErrorResponse {
        let message = message ?? rejection.description
        let quoted = rejection.description.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "/")
        var headers = HTTPFields()
        switch rejection {
        case .insufficientScope(let required):
            headers[.wwwAuthenticate] =
                #"Bearer realm="baton", error="insufficient_scope", error_description="\#(quoted)", scope="\#(required.joined(separator: " "))""#
            return .init(status: .forbidden, code: rejection.code, message: message, headers: headers)
        case .keysUnavailable:
            return .init(status: .serviceUnavailable, code: rejection.code, message: message, headers: retryAfter(5))
        case .missing:
            headers[.wwwAuthenticate] = #"Bearer realm="baton""#
            return .init(status: .unauthorized, code: rejection.code, message: message, headers: headers)
        default:
            headers[.wwwAuthenticate] = #"Bearer realm="baton", error="invalid_token", error_description="\#(quoted)""#
            return .init(status: .unauthorized, code: rejection.code, message: message, headers: headers)
        }
    }

    private static func exchange(_ error: ExchangeError, message: String? = nil) -> ErrorResponse {
        let message = message ?? error.description
        switch error {
        case .interactionRequired(let claims?, _, let text): return claimsChallenge(claims, code: "claims_challenge", message: text)
        case .throttled(let after): return .init(status: .serviceUnavailable, code: error.code, message: message, headers: retryAfter(after ?? 5))
        case .unavailable, .unexpectedResponse: return .init(status: .serviceUnavailable, code: error.code, message: message)
        case .notRecorded: return .init(status: .serviceUnavailable, code: error.code, message: message, headers: retryAfter(storageRetryAfter))
        case .sessionUnavailable: return .init(status: .serviceUnavailable, code: error.code, message: message)
        case .consentRequired, .interactionRequired, .assertionAudienceMismatch, .assertionExpired, .invalidGrant:
            // The user's token cannot be carried further: the caller must sign in (or consent) again.
            return .init(status: .forbidden, code: error.code, message: message)
        case .invalidClient, .invalidScope:
            // The agent's own registration is wrong: the gateway's side, not the caller's.
            return .init(status: .badGateway, code: error.code, message: message)
        }
    }

    private static func connector(_ error: ConnectorError) -> ErrorResponse {
        let message = error.description
        switch error {
        case .notPermitted: return .init(status: .forbidden, code: error.code, message: message)
        case .notFound: return .init(status: .notFound, code: error.code, message: message)
        case .invalidArguments, .unknownTool: return .init(status: .badRequest, code: error.code, message: message)
        case .throttled(_, let after): return .init(status: .tooManyRequests, code: error.code, message: message, headers: retryAfter(after ?? 5))
        case .claimsChallenge(_, let claims): return claimsChallenge(claims, code: error.code, message: message)
        case .auditFailed: return .init(status: .serviceUnavailable, code: error.code, message: message, headers: retryAfter(storageRetryAfter))
        case .unavailable: return .init(status: .serviceUnavailable, code: error.code, message: message)
        case .notAuthenticated, .downstream, .credentials: return .init(status: .badGateway, code: error.code, message: message)
        }
    }

    private static func http(_ error: HTTPError) -> ErrorResponse {
        let code = error.status == .notFound ? "not_found" : error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
        return .init(status: error.status, code: code, message: error.body ?? error.status.reasonPhrase, headers: error.headers)
    }

    private static func ledger(_ error: LedgerError) -> ErrorResponse {
        // A record out of the canonical encoding is damage to be investigated, not a moment's unavailability.
        if case .malformedRecord = error { return .init(status: .internalServerError, code: error.code, message: error.description) }
        return storage(error)
    }

    private static func storage(_ error: any BatonError) -> ErrorResponse {
        .init(status: .serviceUnavailable, code: error.code, message: error.description, headers: retryAfter(storageRetryAfter))
    }

    /// 401 with the claims the user must satisfy, base64 in `WWW-Authenticate` as Entra's
    /// clients expect (`error="insufficient_claims"`).
    private static func claimsChallenge(_ claims: String, code: String, message: String) -> ErrorResponse {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] =
            #"Bearer realm="baton", error="insufficient_claims", error_description="the user must satisfy a claims challenge", claims="\#(Data(claims.utf8).base64EncodedString())""#
        return .init(status: .unauthorized, code: code, message: message, headers: headers)
    }

    private static func retryAfter(_ seconds: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers[.retryAfter] = String(seconds)
        return headers
    }
}
