import BatonCore
import BatonIdentity
import Foundation

extension DevIdentityProvider {
    /// `grant_type=client_credentials`: an app-only token whose roles are the app roles
    /// an admin granted the client on the resource. The scope must be `{resource}/.default`.
    func clientCredentialsGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let scopeText = try request.required("scope")
        let (client, credential) = try authenticateClient(request)
        guard credential != .publicClient else { throw .noCredential }
        let requested = try parseScopes(scopeText)
        guard let resource = requested.resource else { throw .emptyScope }
        guard requested.names == [".default"] else {
            throw EntraError(
                .badRequest, "invalid_scope", 1_002_012,
                "The provided value for scope \(scopeText) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            )
        }
        let permission = client.permissions.first { $0.resource == resource.name && $0.consented }
        let subject = TokenSubject(
            user: nil, client: client, credential: credential, resource: resource, resourceIdentifier: requested.resourceIdentifier,
            scopes: [], roles: permission?.roles ?? [], amr: [])
        do {
            let (token, expiresIn) = try mintAccessToken(subject)
            return [
                "token_type": "Bearer", "expires_in": .integer(Int64(expiresIn)), "ext_expires_in": .integer(Int64(expiresIn)),
                "access_token": .string(token),
            ]
        } catch {
            throw EntraError(.internalServerError, "server_error", 50000, "The token could not be signed.")
        }
    }

    /// RFC 8693 token exchange (§3): the subject token's user, for the target named by
    /// `audience`, `resource` or `scope`; with an `actor_token` the issued token carries
    /// `act` naming the actor, nesting any `act` the subject token already had.
    func tokenExchangeGrant(_ request: TokenRequest) throws(EntraError) -> JSONObject {
        let subjectToken = try request.required("subject_token")
        let subjectType = try request.required("subject_token_type")
        guard [GrantType.accessTokenType, GrantType.jwtTokenType].contains(subjectType) else {
            throw .invalidSubjectToken("subject_token_type '\(subjectType)' is not supported")
        }
        let actorToken = request["actor_token"]
        guard (actorToken == nil) == (request["actor_token_type"] == nil) else {
            throw EntraError(.badRequest, "invalid_request", 900144, "actor_token_type must be present exactly when actor_token is.")
        }
        let (client, credential) = try authenticateClient(request)
        guard credential != .publicClient else { throw .noCredential }

        guard let subject = issuedToken(subjectToken) else { throw .invalidSubjectToken("it is not a token this provider issued") }
        guard let expiry = subject.expiry, expiry > now else { throw .invalidSubjectToken("it has expired") }
        guard let audience = subject.audience, client.identifies(audience) else {
            throw .invalidSubjectToken("its audience '\(subject.audience ?? "")' is not the client '\(client.appID)'")
        }
        guard subject.isUserAccessToken, let oid = subject.oid, let user = tenant.user(oid: oid) else {
            throw .invalidSubjectToken("it is not a user's access token")
        }
        var actor: JSONValue?
        if let actorToken {
            guard let token = issuedToken(actorToken), let expiry = token.expiry, expiry > now else {
                throw .invalidActorToken("it is not a valid, unexpired token from this provider")
            }
            guard token.authorizedParty == client.appID else { throw .invalidActorToken("it was not issued to the client '\(client.appID)'") }
            var act: JSONObject = ["sub": .string(client.appID), "client_id": .string(client.appID)]
            if let earlier = subject.claims["act"] { act["act"] = earlier }
            actor = .object(act)
        }

        let (resource, identifier, names) = try exchangeTarget(request)
        let scopes = try grantedScopes(names, client: client, resource: resource)
        try conditionalAccess(user: user, resource: resource, amr: subject.amr, delegatedHop: true)
        let issued = TokenSubject(
            user: user, client: client, credential: credential, resource: resource, resourceIdentifier: identifier, scopes: scopes,
            roles: roles(of: user, on: resource), amr: subject.amr, actor: actor)
        do {
            let (token, expiresIn) = try mintAccessToken(issued)
            return [
                "access_token": .string(token), "issued_token_type": .string(GrantType.accessTokenType), "token_type": "Bearer",
                "expires_in": .integer(Int64(expiresIn)), "scope": .string(scopes.map { "\(identifier)/\($0)" }.joined(separator: " ")),
            ]
        } catch {
            throw EntraError(.internalServerError, "server_error", 50000, "The token could not be signed.")
        }
    }

    /// The resource an exchange targets and the scope names asked for on it.
    private func exchangeTarget(_ request: TokenRequest) throws(EntraError) -> (DevApplication, String, [String]) {
        let scopeText = request["scope"] ?? ""
        if let target = request["audience"] ?? request["resource"] {
            guard let resource = tenant.application(target) else { throw .invalidTarget(target) }
            let names = scopeText.split(separator: " ").map { $0.split(separator: "/").last.map(String.init) ?? "" }
            for name in names where !resource.scopes.contains(name) && name != ".default" { throw .invalidScope(name) }
            return (resource, target, names.isEmpty ? [".default"] : names)
        }
        let requested = try parseScopes(scopeText)
        guard let resource = requested.resource else { throw .missingParameter("audience") }
        return (resource, requested.resourceIdentifier, requested.names)
    }
}
