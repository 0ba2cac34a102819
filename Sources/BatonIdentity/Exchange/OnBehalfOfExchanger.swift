import BatonCore
import Foundation

/// Entra's On-Behalf-Of: the RFC 7523 JWT-bearer grant with `requested_token_use=on_behalf_of`
/// (identity notes §2.1). The token in hand goes as `assertion`; its audience must be the client.
public struct OnBehalfOfExchanger: TokenExchanger {
    let endpoint: TokenEndpointClient

    public init(endpoint: TokenEndpointClient = .init()) {
        self.endpoint = endpoint
    }

    public func exchange(_ request: ExchangeRequest) async throws(ExchangeError) -> ExchangedToken {
        var fields = try Self.clientFields(request.client)
        fields["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer"
        fields["requested_token_use"] = "on_behalf_of"
        fields["assertion"] = request.subjectToken.revealed
        fields["scope"] = request.qualifiedScopes + (request.wantsRefreshToken ? " offline_access" : "")
        if let claims = request.claims { fields["claims"] = claims }
        let now = Date()
        return try TokenEndpointClient.token(from: try await endpoint.post(fields, to: request.client.tokenEndpoint), now: now)
    }

    public func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError)
        -> ExchangedToken
    {
        try await RefreshTokenRedemption(endpoint: endpoint).redeem(refreshToken, client: client, resource: resource, scopes: scopes)
    }

    static func clientFields(_ client: ExchangeClient) throws(ExchangeError) -> [String: String] {
        do {
            return try client.authenticationFields()
        } catch {
            throw .invalidClient(code: nil, message: "the client assertion could not be signed: \(error)")
        }
    }
}
