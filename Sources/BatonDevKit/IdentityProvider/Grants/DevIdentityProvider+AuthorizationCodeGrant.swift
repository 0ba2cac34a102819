import BatonCore
import Foundation

extension DevIdentityProvider {
    /// `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): a code from the
    /// sign-in page, redeemed once, by the client it was issued to, for the redirect URI it
    /// was sent to, with the PKCE verifier. The answer is the password grant's for that user,
    /// client and scopes; a code whose checks fail stays redeemable until it expires.
    func authorizationCodeGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let code = try request.required("code")
        let redirectURI = try request.required("redirect_uri")
        let (client, credential) = try authenticateClient(request)
        guard redeemedAuthorizationCodes[code] == nil else { throw .redeemedAuthorizationCode }
        guard let grant = authorizationCodes[code] else { throw .invalidAuthorizationCode }
        guard grant.clientID == client.appID else { throw .authorizationCodeClientMismatch(client) }
        guard grant.expiresAt > now else { throw .expiredAuthorizationCode }
        guard grant.redirectURI == redirectURI else { throw .authorizationCodeRedirectMismatch(redirectURI, expected: grant.redirectURI) }
        guard let verifier = request["code_verifier"], grant.challenge.isVerified(by: verifier) else { throw .codeVerifierMismatch }
        guard let user = tenant.user(oid: grant.userOID) else { throw .invalidAuthorizationCode }
        let (requested, scopes) = try redemptionScopes(request["scope"], of: grant, client: client)
        try conditionalAccess(user: user, resource: grant.resource, amr: grant.amr, delegatedHop: false)
        authorizationCodes[code] = nil
        redeemedAuthorizationCodes[code] = grant.expiresAt
        let subject = TokenSubject(
            user: user, client: client, credential: credential, resource: grant.resource, resourceIdentifier: requested.resourceIdentifier,
            scopes: scopes, roles: roles(of: user, on: grant.resource), amr: grant.amr, nonce: grant.nonce,
            authenticatedAt: grant.authenticatedAt)
        return try response(subject, requested: requested, request: request)
    }

    /// The scopes a redemption asks for: the authorization request's when `scope` is absent
    /// or names no resource scope, otherwise a subset of them on the same resource (Entra:
    /// "equivalent to or a subset of the scopes requested in the first leg").
    private func redemptionScopes(_ text: String?, of grant: AuthorizationCodeGrant, client: DevApplication) throws(EntraError)
        -> (RequestedScopes, [String])
    {
        guard let text else { return (grant.requested, grant.scopes) }
        var requested = try parseScopes(text)
        if let added = requested.oidc.subtracting(grant.requested.oidc).sorted().first { throw .invalidScope(added) }
        guard let resource = requested.resource else {
            requested.resource = grant.resource
            requested.resourceIdentifier = grant.requested.resourceIdentifier
            requested.names = grant.requested.names
            return (requested, grant.scopes)
        }
        guard resource.appID == grant.resource.appID else { throw .invalidScope(text) }
        let scopes = try grantedScopes(requested.names, client: client, resource: resource)
        if let added = scopes.first(where: { !grant.scopes.contains($0) }) { throw .invalidScope("\(requested.resourceIdentifier)/\(added)") }
        return (requested, scopes)
    }
}
