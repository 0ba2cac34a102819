import BatonCore
import BatonIdentity
import Foundation

extension DevIdentityProvider {
    /// `grant_type=password`: dev sign-in. A `claims` parameter stands for an interactive
    /// step-up, so the token records `mfa` and satisfies later MFA challenges.
    func passwordGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let username = try request.required("username")
        let password = try request.required("password")
        let scopeText = try request.required("scope")
        let (client, credential) = try authenticateClient(request)
        guard let user = tenant.user(username: username), user.password.revealed == password else { throw .badCredentials }
        let requested = try parseScopes(scopeText)
        guard let resource = requested.resource else { throw .emptyScope }
        let scopes = try grantedScopes(requested.names, client: client, resource: resource)
        let amr = request["claims"] == nil ? ["pwd"] : ["pwd", "mfa"]
        try conditionalAccess(user: user, resource: resource, amr: amr, delegatedHop: false)
        let subject = TokenSubject(
            user: user, client: client, credential: credential, resource: resource, resourceIdentifier: requested.resourceIdentifier,
            scopes: scopes, roles: roles(of: user, on: resource), amr: amr)
        return try response(subject, requested: requested, request: request)
    }

    /// `grant_type=jwt-bearer` with `requested_token_use=on_behalf_of`: Entra's OBO (§2.1, §2.3).
    func onBehalfOfGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let assertion = try request.required("assertion")
        let scopeText = try request.required("scope")
        guard try request.required("requested_token_use") == "on_behalf_of" else { throw .missingParameter("requested_token_use") }
        let (client, credential) = try authenticateClient(request)
        guard credential != .publicClient else { throw .noCredential }

        guard let token = issuedToken(assertion) else { throw .userAssertionInvalid }
        guard let expiry = token.expiry, expiry > now else { throw .userAssertionExpired(now: now, expiry: token.expiry ?? .distantPast) }
        guard let audience = token.audience, client.identifies(audience) else { throw .userAssertionAudience(token.audience ?? "", client: client) }
        if token.isAppOnly { throw .appOnlyAssertion(client) }
        guard token.isUserAccessToken else { throw .idTokenAsAssertion }
        guard let oid = token.oid, let user = tenant.user(oid: oid) else { throw .userAssertionInvalid }

        let requested = try parseScopes(scopeText)
        guard let resource = requested.resource else { throw .emptyScope }
        let scopes = try grantedScopes(requested.names, client: client, resource: resource)
        try conditionalAccess(user: user, resource: resource, amr: token.amr, delegatedHop: true)
        let subject = TokenSubject(
            user: user, client: client, credential: credential, resource: resource, resourceIdentifier: requested.resourceIdentifier,
            scopes: scopes, roles: roles(of: user, on: resource), amr: token.amr)
        return try response(subject, requested: requested, request: request)
    }

    /// `grant_type=refresh_token`: renews access for the client that holds the refresh token
    /// (long-running OBO, §7.3); the refresh token is rotated.
    func refreshTokenGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let refreshToken = try request.required("refresh_token")
        let scopeText = try request.required("scope")
        let (client, credential) = try authenticateClient(request)
        guard let grant = refreshTokens[refreshToken], let user = tenant.user(oid: grant.userOID) else { throw .invalidRefreshToken }
        guard grant.expiresAt > now else {
            refreshTokens[refreshToken] = nil
            throw .expiredRefreshToken
        }
        guard grant.clientID == client.appID else { throw .refreshTokenClientMismatch(client) }
        var requested = try parseScopes(scopeText)
        guard let resource = requested.resource else { throw .emptyScope }
        let scopes = try grantedScopes(requested.names, client: client, resource: resource)
        try conditionalAccess(user: user, resource: resource, amr: grant.amr, delegatedHop: true)
        refreshTokens[refreshToken] = nil
        requested.oidc.insert("offline_access")
        let subject = TokenSubject(
            user: user, client: client, credential: credential, resource: resource, resourceIdentifier: requested.resourceIdentifier,
            scopes: scopes, roles: roles(of: user, on: resource), amr: grant.amr)
        return try response(subject, requested: requested, request: request)
    }

    /// The success response of a delegated grant, or Entra's `server_error` when signing fails.
    func response(_ subject: TokenSubject, requested: RequestedScopes, request: TokenRequest) throws(EntraError) -> JSONObject {
        do {
            return try delegatedResponse(subject, requested: requested, clientInfo: request["client_info"] == "1")
        } catch {
            throw EntraError(.internalServerError, "server_error", 50000, "The token could not be signed.")
        }
    }
}
