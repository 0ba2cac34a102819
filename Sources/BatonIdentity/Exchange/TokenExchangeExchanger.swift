import BatonCore
import Foundation

/// RFC 8693 token exchange: the token in hand as `subject_token` and the agent's own
/// app token as `actor_token`, so the issued token carries a nested `act` chain.
///
/// The actor token is obtained with client credentials for the agent's own resource and
/// reused until shortly before it expires.
public actor TokenExchangeExchanger: TokenExchanger {
    private let endpoint: TokenEndpointClient
    /// The identifier the agent's own app is known by, for its actor token (`{actorResource}/.default`).
    private let actorResource: String
    private var actorToken: ExchangedToken?

    public init(actorResource: String, endpoint: TokenEndpointClient = .init()) {
        self.actorResource = actorResource
        self.endpoint = endpoint
    }

    public func exchange(_ request: ExchangeRequest) async throws(ExchangeError) -> ExchangedToken {
        let actor = try await currentActorToken(request.client)
        var fields = try OnBehalfOfExchanger.clientFields(request.client)
        fields["grant_type"] = "urn:ietf:params:oauth:grant-type:token-exchange"
        fields["subject_token"] = request.subjectToken.revealed
        fields["subject_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
        fields["actor_token"] = actor.accessToken.revealed
        fields["actor_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
        fields["audience"] = request.resource
        fields["scope"] = request.qualifiedScopes
        let now = Date()
        return try TokenEndpointClient.token(from: try await endpoint.post(fields, to: request.client.tokenEndpoint), now: now)
    }

    public func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError)
        -> ExchangedToken
    {
        try await RefreshTokenRedemption(endpoint: endpoint).redeem(refreshToken, client: client, resource: resource, scopes: scopes)
    }

    private func currentActorToken(_ client: ExchangeClient) async throws(ExchangeError) -> ExchangedToken {
        if let actorToken, actorToken.expiresAt.timeIntervalSinceNow > 120 { return actorToken }
        var fields = try OnBehalfOfExchanger.clientFields(client)
        fields["grant_type"] = "client_credentials"
        fields["scope"] = "\(actorResource)/.default"
        let token = try TokenEndpointClient.token(from: try await endpoint.post(fields, to: client.tokenEndpoint), now: Date())
        actorToken = token
        return token
    }
}
