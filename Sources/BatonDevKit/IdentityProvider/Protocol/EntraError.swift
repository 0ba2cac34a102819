import BatonCore
import BatonIdentity
import Foundation
import Hummingbird

/// An error exactly as Entra's token endpoint shapes it: an OAuth `error`, an `AADSTS`
/// code and message, trace and correlation ids, a timestamp, and optionally a
/// `suberror` and a `claims` challenge (identity notes §2.5, §2.6).
public struct EntraError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// The OAuth error code, e.g. `invalid_grant`.
    public var error: String
    /// The AADSTS number, e.g. 500131.
    public var code: Int
    public var message: String
    public var suberror: String?
    /// A claims challenge as a JSON string (not base64), as Entra returns it.
    public var claims: String?
    /// Seconds to wait, for 429 and 503 answers.
    public var retryAfter: Int?

    init(_ status: HTTPResponse.Status = .badRequest, _ error: String, _ code: Int, _ message: String) {
        self.status = status
        self.error = error
        self.code = code
        self.message = message
    }

    /// The JSON body, with `error_description` = `AADSTSnnnn: message` plus trace, correlation and timestamp lines.
    func body(traceID: String, correlationID: String, at date: Date) -> JSONObject {
        let timestamp = Self.timestamp(date)
        var body: JSONObject = [
            "error": .string(error),
            "error_description": .string(errorDescription(traceID: traceID, correlationID: correlationID, at: date)),
            "error_codes": [.integer(Int64(code))],
            "timestamp": .string(timestamp),
            "trace_id": .string(traceID),
            "correlation_id": .string(correlationID),
            "error_uri": .string("https://login.microsoftonline.com/error?code=\(code)"),
        ]
        if let suberror { body["suberror"] = .string(suberror) }
        if let claims { body["claims"] = .string(claims) }
        return body
    }

    /// `AADSTSnnnn: message` and the trace, correlation and timestamp lines: Entra's
    /// `error_description`, in a token-endpoint body and in a redirect to the client alike.
    func errorDescription(traceID: String, correlationID: String, at date: Date) -> String {
        let timestamp = Self.timestamp(date)
        return "AADSTS\(code): \(message)\r\nTrace ID: \(traceID)\r\nCorrelation ID: \(correlationID)\r\nTimestamp: \(timestamp)"
    }

    /// The time as Entra writes it in error answers, e.g. `2025-01-31 09:15:02Z`.
    static func timestamp(_ date: Date) -> String {
        timestampFormat.string(from: date)
    }

    private static let timestampFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return formatter
    }()
}

// MARK: - The answers Entra gives, in the order it checks (§2.3)

extension EntraError {
    static func tenantNotFound(_ tenant: String) -> EntraError {
        .init(
            .badRequest, "invalid_request", 90002,
            "Tenant '\(tenant)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
    }

    static func unsupportedGrant(_ grant: String) -> EntraError {
        .init(.badRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(grant)'.")
    }

    static func missingParameter(_ name: String) -> EntraError {
        .init(.badRequest, "invalid_request", 900144, "The request body must contain the following parameter: '\(name)'.")
    }

    static func unknownClient(_ clientID: String, tenant: String) -> EntraError {
        .init(
            .badRequest, "unauthorized_client", 700016,
            "Application with identifier '\(clientID)' was not found in the directory '\(tenant)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
        )
    }

    static var noCredential: EntraError {
        .init(
            .unauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    }

    static var publicClientWithCredential: EntraError {
        .init(.unauthorized, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
    }

    static func invalidSecret(_ appID: String) -> EntraError {
        .init(
            .unauthorized, "invalid_client", 7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(appID)'."
        )
    }

    static var clientAssertionSignature: EntraError {
        .init(.unauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
    }

    static var clientAssertionTimeWindow: EntraError {
        .init(.unauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range.")
    }

    static func clientAssertionInvalid(_ reason: String) -> EntraError {
        .init(.unauthorized, "invalid_client", 50012, reason)
    }

    static var clientAssertionSubjectMismatch: EntraError {
        .init(.unauthorized, "invalid_client", 50048, "Subject mismatches Issuer claim in the client assertion.")
    }

    static var userAssertionInvalid: EntraError {
        .init(
            .badRequest, "invalid_grant", 50013,
            "Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '']")
    }

    static func userAssertionExpired(now: Date, expiry: Date) -> EntraError {
        .init(
            .badRequest, "invalid_grant", 500133,
            "Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: \(now.formatted(.iso8601)), expiry time of assertion \(expiry.formatted(.iso8601))."
        )
    }

    static func userAssertionAudience(_ audience: String, client: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_grant", 500131,
            "Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '\(audience)' and the expected audience is '\(client.appID)' or one of the Application Uris of this application with App ID '\(client.appID)'(\(client.name)). The downstream client must request a token for the expected audience (the application that made the OBO request) and this application should use that token as the assertion."
        )
    }

    static var idTokenAsAssertion: EntraError {
        .init(.badRequest, "invalid_grant", 240002, "Input id_token cannot be used as 'urn:ietf:params:oauth:grant-type:jwt-bearer' grant.")
    }

    static func appOnlyAssertion(_ client: DevApplication) -> EntraError {
        .init(
            .badRequest, "unauthorized_client", 7000114,
            "Application '\(client.appID)'(\(client.name)) is not allowed to make application on-behalf-of calls.")
    }

    static func resourceNotFound(_ resource: String, tenant: String) -> EntraError {
        .init(
            .badRequest, "invalid_resource", 500011,
            "The resource principal named \(resource) was not found in the tenant named \(tenant). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
        )
    }

    static func invalidScope(_ scope: String) -> EntraError {
        .init(
            .badRequest, "invalid_scope", 70011,
            "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope \(scope) is not valid."
        )
    }

    static func multipleResources(_ scope: String) -> EntraError {
        .init(
            .badRequest, "invalid_scope", 700022,
            "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope \(scope) is not valid.")
    }

    static var emptyScope: EntraError {
        .init(
            .badRequest, "invalid_scope", 28003,
            "Provided value for the input parameter scope cannot be empty when requesting an access token. Please specify a valid scope.")
    }

    static func resourceNotRequested(client: DevApplication, resource: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_client", 650057,
            "Invalid resource. The client has requested access to a resource which is not listed in the requested permissions in the client's application registration. Client app ID: \(client.appID)(\(client.name)). Resource value from request: \(resource.appID). Resource app ID: \(resource.appID)."
        )
    }

    static func consentRequired(client: DevApplication) -> EntraError {
        var error = EntraError(
            .badRequest, "invalid_grant", 65001,
            "The user or administrator has not consented to use the application with ID '\(client.appID)' named '\(client.name)'. Send an interactive authorization request for this user and resource."
        )
        error.suberror = "consent_required"
        return error
    }

    static func multiFactorRequired(resource: DevApplication, claims: String) -> EntraError {
        var error = EntraError(
            .badRequest, "interaction_required", 50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(resource.appID)'."
        )
        error.suberror = "basic_action"
        error.claims = claims
        return error
    }

    static var badCredentials: EntraError {
        .init(.badRequest, "invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
    }

    static var invalidRefreshToken: EntraError {
        .init(.badRequest, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
    }

    static var expiredRefreshToken: EntraError {
        .init(.badRequest, "invalid_grant", 700082, "The refresh token has expired due to inactivity.")
    }

    static func refreshTokenClientMismatch(_ client: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_grant", 70000,
            "Provided grant is invalid or malformed. The refresh token was issued to a different client than '\(client.appID)'.")
    }

    static func invalidSubjectToken(_ reason: String) -> EntraError {
        .init(.badRequest, "invalid_request", 50013, "The subject_token is not acceptable: \(reason).")
    }

    static func invalidActorToken(_ reason: String) -> EntraError {
        .init(.badRequest, "invalid_request", 50013, "The actor_token is not acceptable: \(reason).")
    }

    static func invalidTarget(_ target: String) -> EntraError {
        .init(.badRequest, "invalid_target", 500011, "No resource is named '\(target)' in this tenant.")
    }

    static func throttled(retryAfter: Int) -> EntraError {
        var error = EntraError(
            .tooManyRequests, "temporarily_unavailable", 90055,
            "TenantThrottlingError - There are too many incoming requests. This exception is thrown for blocked tenants.")
        error.retryAfter = retryAfter
        return error
    }

    // MARK: - The authorization endpoint and the authorization code grant

    static func redirectURIMismatch(_ redirectURI: String, client: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_request", 50011,
            "The redirect URI '\(redirectURI)' specified in the request does not match the redirect URIs configured for the application '\(client.appID)'. Make sure the redirect URI sent in the request matches one in the redirect_uris of app '\(client.name)' in the tenant file."
        )
    }

    static func noRedirectURIRegistered(_ client: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_request", 500113,
            "No reply address is registered for the application '\(client.appID)'. Without redirect_uris in the tenant file, app '\(client.name)' accepts only http://127.0.0.1 and http://localhost redirect URIs."
        )
    }

    static func unsupportedResponseType(_ responseType: String) -> EntraError {
        .init(
            .badRequest, "unsupported_response_type", 700054,
            "response_type '\(responseType)' is not enabled for the application. The dev identity provider supports only 'code'.")
    }

    static func unsupportedResponseMode(_ responseMode: String) -> EntraError {
        .init(
            .badRequest, "invalid_request", 70007,
            "'\(responseMode)' is not a supported value of 'response_mode'. The dev identity provider answers with 'query' only.")
    }

    static var codeChallengeRequired: EntraError {
        .init(
            .badRequest, "invalid_request", 900144,
            "The request body must contain the following parameter: 'code_challenge'. The dev identity provider requires PKCE (RFC 7636) on every authorization request: send code_challenge and code_challenge_method=S256."
        )
    }

    static func invalidCodeChallengeMethod(_ method: String) -> EntraError {
        .init(.badRequest, "invalid_request", 50149, "Invalid Code_Challenge_method parameter '\(method)'. Use S256 or plain.")
    }

    static func invalidCodeChallengeSize(_ method: PKCEChallenge.Method) -> EntraError {
        let expected =
            switch method {
            case .s256: "an S256 challenge is the 43-character base64url SHA-256 of the verifier"
            case .plain: "a plain challenge is the verifier itself, 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
            }
        return .init(.badRequest, "invalid_request", 501491, "Invalid size of Code_Challenge parameter: \(expected).")
    }

    static var loginRequired: EntraError {
        .init(
            .badRequest, "login_required", 50058,
            "A silent sign-in request was sent but no user is signed in. The dev identity provider keeps no sign-in session, so prompt=none cannot succeed."
        )
    }

    static var invalidAuthorizationCode: EntraError {
        .init(.badRequest, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.")
    }

    static func authorizationCodeClientMismatch(_ client: DevApplication) -> EntraError {
        .init(
            .badRequest, "invalid_grant", 70000,
            "The provided value for the 'code' parameter is not valid. The code was issued to a different client than '\(client.appID)'.")
    }

    static var expiredAuthorizationCode: EntraError {
        .init(
            .badRequest, "invalid_grant", 70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."
        )
    }

    static var redeemedAuthorizationCode: EntraError {
        .init(
            .badRequest, "invalid_grant", 54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
    }

    static func authorizationCodeRedirectMismatch(_ redirectURI: String, expected: String) -> EntraError {
        .init(
            .badRequest, "invalid_grant", 50011,
            "The reply address '\(redirectURI)' does not match the reply address '\(expected)' provided when requesting Authorization code.")
    }

    static var codeVerifierMismatch: EntraError {
        .init(
            .badRequest, "invalid_grant", 50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE."
        )
    }

    /// This refusal as the authorization endpoint words it: a missing consent is OpenID
    /// Connect's `consent_required` there (Core §3.1.2.6), not the token endpoint's `invalid_grant`.
    var atAuthorizationEndpoint: EntraError {
        guard suberror == "consent_required" else { return self }
        var error = self
        error.error = "consent_required"
        error.suberror = nil
        return error
    }

    static var unavailable: EntraError {
        var error = EntraError(.serviceUnavailable, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
        error.retryAfter = 5
        return error
    }
}
