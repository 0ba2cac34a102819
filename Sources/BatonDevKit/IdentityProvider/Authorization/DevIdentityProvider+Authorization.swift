import BatonCore
import Foundation

extension DevIdentityProvider {
    /// Checks a request to the authorization endpoint in Entra's order: tenant, client and
    /// redirect URI first, whose failures are shown to the user (never sent to a redirect
    /// URI the app did not register), then the rest, whose failures go back to the client.
    func authorization(_ request: AuthorizationRequest, tenantName: String) throws(AuthorizationFailure) -> PendingAuthorization {
        guard !isUnavailable else { throw .page(.unavailable) }
        guard tenant.isNamed(tenantName) else { throw .page(.tenantNotFound(tenantName)) }
        guard let clientID = request["client_id"] else { throw .page(.missingParameter("client_id")) }
        guard let client = tenant.application(clientID), client.appID == clientID.lowercased() else {
            throw .page(.unknownClient(clientID, tenant: tenant.id))
        }
        guard let redirectURI = request["redirect_uri"] else { throw .page(.missingParameter("redirect_uri")) }
        guard client.accepts(redirectURI: redirectURI) else {
            throw .page(client.redirectURIs.isEmpty ? .noRedirectURIRegistered(client) : .redirectURIMismatch(redirectURI, client: client))
        }
        do {
            return try checkedAuthorization(request, client: client, redirectURI: redirectURI)
        } catch {
            throw .redirect(error.atAuthorizationEndpoint, redirectURI: redirectURI, state: request["state"])
        }
    }

    /// The checks whose failures the client may hear about: response type and mode, PKCE,
    /// scopes and consent, then `prompt`.
    private func checkedAuthorization(_ request: AuthorizationRequest, client: DevApplication, redirectURI: String) throws(EntraError)
        -> PendingAuthorization
    {
        let responseType = try request.required("response_type")
        guard responseType == "code" else { throw .unsupportedResponseType(responseType) }
        if let mode = request["response_mode"], mode != "query" { throw .unsupportedResponseMode(mode) }
        let challenge = try PKCEChallenge(challenge: request["code_challenge"], method: request["code_challenge_method"])
        let requested = try parseScopes(try request.required("scope"))
        guard let resource = requested.resource else { throw .emptyScope }
        let scopes = try grantedScopes(requested.names, client: client, resource: resource)
        // No sign-in session outlives a request here, so a silent request can never succeed.
        if request["prompt"] == "none" { throw .loginRequired }
        return PendingAuthorization(
            client: client, redirectURI: redirectURI, state: request["state"], requested: requested, resource: resource, scopes: scopes,
            challenge: challenge, nonce: request["nonce"], loginHint: request["login_hint"], claims: request["claims"],
            parameters: request.carried)
    }

    /// The user's answer on the sign-in page: a new code for `pending`, or `nil` when the
    /// username or the password is wrong (the caller must not say which).
    ///
    /// The page stands for Entra's whole interactive sign-in, including a second factor where
    /// Conditional Access would ask for one: `amr` records `mfa` when the client answers a
    /// claims challenge, the user is flagged `mfa_required` or the resource requires MFA — as
    /// the password grant records it when given `claims` — so later OBO hops find their MFA.
    func signIn(_ pending: PendingAuthorization, username: String?, password: String?) -> String? {
        guard let username, let password, let user = tenant.user(username: username),
            Self.constantTimeEquals(user.password.revealed, password)
        else { return nil }
        let steppedUp = pending.claims != nil || user.mfaRequired || pending.resource.requiresMFA
        let signedInAt = now
        forgetOldAuthorizationCodes()
        let code = "0.dev." + Hex.random(byteCount: 32)
        authorizationCodes[code] = AuthorizationCodeGrant(
            clientID: pending.client.appID, redirectURI: pending.redirectURI, userOID: user.oid, requested: pending.requested,
            resource: pending.resource, scopes: pending.scopes, challenge: pending.challenge, nonce: pending.nonce,
            amr: steppedUp ? ["pwd", "mfa"] : ["pwd"], authenticatedAt: signedInAt,
            expiresAt: signedInAt.addingTimeInterval(AuthorizationCodeGrant.lifetime))
        return code
    }

    /// Drops codes, redeemed or not, that expired more than ``AuthorizationCodeGrant/remembered`` ago.
    private func forgetOldAuthorizationCodes() {
        let horizon = now.addingTimeInterval(-AuthorizationCodeGrant.remembered)
        authorizationCodes = authorizationCodes.filter { $0.value.expiresAt > horizon }
        redeemedAuthorizationCodes = redeemedAuthorizationCodes.filter { $0.value > horizon }
    }
}
