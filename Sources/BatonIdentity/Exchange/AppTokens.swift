import BatonCore
import Foundation

/// App-only tokens (OAuth 2.0 client credentials, RFC 6749 §4.4): what an app gets as
/// itself, with no user — Entra's `scope` is the resource's `/.default`. Kept in memory
/// until a minute before they expire, one request to the IdP per app and resource however
/// many ask at once. Not in the vault: the vault holds what users delegated; these are
/// the app's own, and asking again costs one request.
public actor AppTokens {
    private let endpoint: TokenEndpointClient
    private let margin: Duration
    private var tokens: [String: ExchangedToken] = [:]
    private var pending: [String: Task<Result<ExchangedToken, ExchangeError>, Never>] = [:]

    public init(endpoint: TokenEndpointClient = .init(), margin: Duration = .seconds(60)) {
        self.endpoint = endpoint
        self.margin = margin
    }

    /// `client`'s own token for `resource`; `fromCache` when no request was made.
    public func token(for client: ExchangeClient, resource: String) async throws(ExchangeError) -> (token: ExchangedToken, fromCache: Bool) {
        let key = "\(client.tokenEndpoint) \(client.clientID) \(resource)"
        if let kept = tokens[key], kept.expiresAt.timeIntervalSinceNow > Double(margin.components.seconds) { return (kept, true) }
        if let running = pending[key] { return (try await running.value.get(), false) }
        let task = Task { [endpoint] () async -> Result<ExchangedToken, ExchangeError> in
            do throws(ExchangeError) {
                return .success(try await Self.request(client, resource: resource, endpoint: endpoint))
            } catch {
                return .failure(error)
            }
        }
        pending[key] = task
        let result = await task.value
        pending[key] = nil
        let token = try result.get()
        tokens[key] = token
        return (token, false)
    }

    private static func request(_ client: ExchangeClient, resource: String, endpoint: TokenEndpointClient) async throws(ExchangeError)
        -> ExchangedToken
    {
        var fields = try OnBehalfOfExchanger.clientFields(client)
        fields["grant_type"] = "client_credentials"
        fields["scope"] = "\(URLText.trimmingTrailingSlash(resource))/.default"
        let now = Date()
        return try TokenEndpointClient.token(from: try await endpoint.post(fields, to: client.tokenEndpoint), now: now)
    }
}
