import BatonConnectors
import BatonCore
import BatonIdentity

/// A connector's credentials for one tool call: the token the hop already obtained (and
/// recorded) for the connector's audience, and one more exchange after a 401.
///
/// The broker is asked once per tool call; the token source is recorded once, with the
/// tool call. ``renew()`` drops the refused token from the vault and exchanges again,
/// recording that exchange too.
struct HopCredentials: DownstreamCredentials {
    let connector: String
    let first: BrokeredToken
    let broker: TokenBroker
    /// Exchanges again and queues the exchange's entry.
    let exchangeAgain: @Sendable () async throws(AgentError) -> BrokeredToken

    func token() async throws -> Secret {
        first.accessToken
    }

    func renew() async throws -> Secret {
        await broker.invalidate(first.key)
        do {
            return try await exchangeAgain().accessToken
        } catch .claimsChallenge(let claims, _) {
            throw ConnectorError.claimsChallenge(connector: connector, claims: claims)
        } catch .auditFailed(let reason) {
            throw ConnectorError.auditFailed(reason: reason)
        } catch {
            throw ConnectorError.credentials(connector: connector, reason: error.description)
        }
    }
}
