import BatonConnectors
import BatonCore
import BatonIdentity

/// A connector's credentials for one tool call: the broker's token for the connector's
/// audience, exchanged from the agent's token, and a fresh one after a 401.
struct BrokeredCredentials: DownstreamCredentials {
    let connector: String
    let broker: TokenBroker
    let request: ExchangeRequest
    let issuer: String
    let context: VaultEntryContext
    /// The token already recorded with the tool call; handing it out again records nothing.
    let recorded: Secret
    /// Records an exchange in the ledger (fail closed).
    let recordExchange: @Sendable (BrokeredToken) async throws -> Void

    func token() async throws -> Secret {
        let token = try await exchange()
        if token.accessToken.revealed != recorded.revealed { try await recordExchange(token) }
        return token.accessToken
    }

    func renew() async throws -> Secret {
        await broker.invalidate(try await exchange().key)
        return try await token()
    }

    /// The broker's token; a claims challenge from the IdP becomes the connector's, verbatim.
    private func exchange() async throws -> BrokeredToken {
        do {
            return try await broker.token(for: request, issuer: issuer, context: context)
        } catch .interactionRequired(let claims?, _, _) {
            throw ConnectorError.claimsChallenge(connector: connector, claims: claims)
        } catch {
            throw ConnectorError.credentials(connector: connector, reason: "\(error)")
        }
    }
}
