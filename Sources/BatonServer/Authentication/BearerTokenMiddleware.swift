import BatonCore
import BatonIdentity
import Foundation
import Hummingbird
import Metrics

/// Requires a verified bearer token (RFC 6750) on the routes it guards.
///
/// A refusal answers 401 with `WWW-Authenticate: Bearer … error="invalid_token"`, 403
/// with `error="insufficient_scope"`, or 503 when no keys can be had — each with Baton's
/// JSON error body and a stable code. Neither the header nor the body ever echoes the token.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext

    let verifier: TokenVerifier?
    let policy: TokenPolicy
    let metrics: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let verifier else {
            return Self.refusal(
                status: .serviceUnavailable, code: "identity_not_configured",
                message: "this daemon trusts no token issuer; configure identity.issuers and identity.audiences", challenge: nil)
        }
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            count("token_missing")
            return Self.refusal(
                status: .unauthorized, code: "token_missing", message: TokenRejection.missing.description, challenge: #"Bearer realm="baton""#)
        }
        do {
            var context = context
            context.caller = try await verifier.verify(token, policy: policy)
            count("accepted")
            return try await next(request, context)
        } catch let rejection as TokenRejection {
            count(rejection.code)
            context.logger.info("token refused", metadata: ["code": "\(rejection.code)"])
            return Self.refusal(rejection)
        }
    }

    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive), if any.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func refusal(_ rejection: TokenRejection) -> Response {
        let description = rejection.description.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "/")
        switch rejection {
        case .insufficientScope(let required):
            return refusal(
                status: .forbidden, code: rejection.code, message: rejection.description,
                challenge:
                    #"Bearer realm="baton", error="insufficient_scope", error_description="\#(description)", scope="\#(required.joined(separator: " "))""#
            )
        case .keysUnavailable:
            return refusal(status: .serviceUnavailable, code: rejection.code, message: rejection.description, challenge: nil)
        default:
            return refusal(
                status: .unauthorized, code: rejection.code, message: rejection.description,
                challenge: #"Bearer realm="baton", error="invalid_token", error_description="\#(description)""#)
        }
    }

    private static func refusal(status: HTTPResponse.Status, code: String, message: String, challenge: String?) -> Response {
        var response = ErrorMiddleware<Context>.response(status: status, body: ErrorBody(code: code, message: message))
        if let challenge { response.headers[.wwwAuthenticate] = challenge }
        return response
    }

    private func count(_ outcome: String) {
        Counter(label: "baton_token_verifications_total", dimensions: [("outcome", outcome)], factory: metrics).increment()
    }
}
