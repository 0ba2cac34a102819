import BatonCore
import Crypto
import Foundation

/// The OAuth 2.0 authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636): what Baton
/// sends when a user has signed in at the IdP for a resource (AgentCore's
/// `USER_FEDERATION`) and the IdP sent the code back to Baton's callback.
public struct AuthorizationCodeRedemption: Sendable {
    let endpoint: TokenEndpointClient

    public init(endpoint: TokenEndpointClient = .init()) {
        self.endpoint = endpoint
    }

    /// Redeems `code` as `client`, proving it started the flow with `verifier`; the token
    /// for `scopes` on `resource`.
    public func redeem(code: Secret, verifier: Secret, redirectURI: String, client: ExchangeClient, resource: String, scopes: ScopeSet)
        async throws(ExchangeError) -> ExchangedToken
    {
        var fields = try OnBehalfOfExchanger.clientFields(client)
        fields["grant_type"] = "authorization_code"
        fields["code"] = code.revealed
        fields["code_verifier"] = verifier.revealed
        fields["redirect_uri"] = redirectURI
        fields["scope"] = ExchangeRequest(subjectToken: Secret(""), client: client, resource: resource, scopes: scopes).qualifiedScopes
        let now = Date()
        return try TokenEndpointClient.token(from: try await endpoint.post(fields, to: client.tokenEndpoint), now: now)
    }

    /// A new PKCE verifier (43 characters of base64url, 256 random bits) and its `S256` challenge.
    public static func pkce() -> (verifier: Secret, challenge: String) {
        let verifier = Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        return (Secret(verifier), Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8)))))
    }
}

extension AuthorizationCodeRedemption {
    /// What a sign-in returns: the access token for the requested scope and, when `openid`
    /// was asked for, the ID token that carries the sign-in's nonce.
    public struct SignIn: Sendable {
        public var accessToken: Secret
        public var idToken: Secret?
    }

    /// Redeems a sign-in's `code` as the public client `clientID` (no secret: PKCE proves
    /// the flow, RFC 7636), as the audit console does after its callback.
    public func redeemSignIn(code: Secret, verifier: Secret, redirectURI: String, clientID: String, scope: String, tokenEndpoint: String)
        async throws(ExchangeError) -> SignIn
    {
        let body = try await endpoint.post(
            [
                "client_id": clientID, "grant_type": "authorization_code", "code": code.revealed, "code_verifier": verifier.revealed,
                "redirect_uri": redirectURI, "scope": scope,
            ], to: tokenEndpoint)
        let token = try TokenEndpointClient.token(from: body, now: Date())
        return SignIn(accessToken: token.accessToken, idToken: body["id_token"]?.stringValue.map { Secret($0) })
    }
}
