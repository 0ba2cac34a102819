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
            return ErrorResponse(
                status: .serviceUnavailable, code: "identity_not_configured",
                message: "this daemon trusts no token issuer; configure identity.issuers and identity.audiences"
            ).response()
        }
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            count("token_missing")
            return Self.refusal(.missing)
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
        // Byte-wise: a token is ASCII, and `String.count` would walk its graphemes.
        guard let header else { return nil }
        let bytes = header.utf8
        guard bytes.count > 7, bytes.prefix(7).elementsEqual("bearer ".utf8, by: { $0 | 0x20 == $1 | 0x20 }) else { return nil }
        let token = bytes.dropFirst(7).drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let trimmed = token.reversed().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
        guard trimmed > 0 else { return nil }
        return String(decoding: token.prefix(trimmed), as: UTF8.self)
    }

    static func refusal(_ rejection: TokenRejection) -> Response {
        ErrorResponse(rejection).response()
    }

    private func count(_ outcome: String) {
        Counter(label: "baton_token_verifications_total", dimensions: [("outcome", outcome)], factory: metrics).increment()
    }
}
