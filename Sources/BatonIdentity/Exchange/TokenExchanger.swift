import BatonCore
import Foundation

/// Turns the token an agent holds into a token for the next hop, as the same user.
///
/// Two implementations: Entra's On-Behalf-Of (``OnBehalfOfExchanger``) and RFC 8693
/// token exchange (``TokenExchangeExchanger``). Both answer IdP refusals with a typed
/// ``ExchangeError`` and never put a token into a message.
public protocol TokenExchanger: Sendable {
    func exchange(_ request: ExchangeRequest) async throws(ExchangeError) -> ExchangedToken
    /// Redeems a refresh token from an earlier exchange for a new token (long-running work).
    func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError) -> ExchangedToken
}

/// `grant_type=refresh_token` (RFC 6749 §6) for the client that holds the refresh token.
struct RefreshTokenRedemption: Sendable {
    let endpoint: TokenEndpointClient

    func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError) -> ExchangedToken {
        var fields = try OnBehalfOfExchanger.clientFields(client)
        fields["grant_type"] = "refresh_token"
        fields["refresh_token"] = refreshToken.revealed
        let names = scopes.isEmpty ? [".default"] : scopes.scopes
        fields["scope"] = (names.map { "\(resource)/\($0)" } + ["offline_access"]).joined(separator: " ")
        return try TokenEndpointClient.token(from: try await endpoint.post(fields, to: client.tokenEndpoint), now: Date())
    }
}

/// One exchange: whose token, by which client, for which resource and scopes.
public struct ExchangeRequest: Sendable {
    /// The token in hand (its audience is the exchanging client).
    public var subjectToken: Secret
    public var client: ExchangeClient
    /// The next hop's identifier as the IdP knows it, e.g. `api://triage` or an app id.
    public var resource: String
    /// Scope names on that resource, e.g. `access_as_user`; empty asks for `.default`.
    public var scopes: ScopeSet
    /// A claims challenge to pass to the IdP (raw JSON), e.g. from a downstream's CAE challenge.
    public var claims: String?
    /// Ask for a refresh token too (long-running work).
    public var wantsRefreshToken: Bool

    public init(
        subjectToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet, claims: String? = nil, wantsRefreshToken: Bool = false
    ) {
        self.subjectToken = subjectToken
        self.client = client
        self.resource = resource
        self.scopes = scopes
        self.claims = claims
        self.wantsRefreshToken = wantsRefreshToken
    }

    /// `{resource}/{scope}` for each scope (or `{resource}/.default`), as Entra's `scope` parameter wants.
    var qualifiedScopes: String {
        let names = scopes.isEmpty ? [".default"] : scopes.scopes
        return names.map { "\(resource)/\($0)" }.joined(separator: " ")
    }
}

/// A token the IdP issued for the next hop.
public struct ExchangedToken: Sendable {
    public var accessToken: Secret
    public var expiresAt: Date
    /// The scopes granted, as the IdP wrote them.
    public var grantedScopes: String
    /// Present when asked for and issued.
    public var refreshToken: Secret?

    public init(accessToken: Secret, expiresAt: Date, grantedScopes: String, refreshToken: Secret? = nil) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.grantedScopes = grantedScopes
        self.refreshToken = refreshToken
    }
}
