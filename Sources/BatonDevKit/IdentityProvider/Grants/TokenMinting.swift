import BatonCore
import BatonIdentity
import Crypto
import Foundation

/// What a refresh token stands for; kept in memory only (a restart signs everyone out).
struct RefreshGrant: Sendable {
    let userOID: String
    let clientID: String
    let amr: [String]
    let expiresAt: Date
}

/// Everything an access token says about whom it is for and who asked.
struct TokenSubject: Sendable {
    /// The user, or `nil` for an app-only token.
    var user: DevUser?
    var client: DevApplication
    var credential: ClientCredentialKind
    var resource: DevApplication
    var resourceIdentifier: String
    var scopes: [String]
    var roles: [String]
    var amr: [String]
    /// An RFC 8693 actor chain to embed as `act`.
    var actor: JSONValue?
    /// The `nonce` of the authorization request the user signed in through, echoed in the id token (OpenID Connect Core §2).
    var nonce: String?
    /// When the user signed in interactively: the id token's `auth_time`.
    var authenticatedAt: Date?
}

extension DevIdentityProvider {
    /// Signs an access token in the resource's preferred format (§1.4, §2.4) and returns it with its lifetime.
    func mintAccessToken(_ subject: TokenSubject) throws -> (token: String, expiresIn: Int) {
        let issuedAt = Int64(now.timeIntervalSince1970)
        let lifetime = Int64(tenant.tokenLifetime.timeInterval)
        var claims: JSONObject = [
            "iat": .integer(issuedAt),
            "nbf": .integer(issuedAt),
            "exp": .integer(issuedAt + lifetime),
            "tid": .string(tenant.id),
            "uti": .string(Self.uniqueTokenID()),
            "rh": "0.dev",
        ]
        var header: JSONObject = ["typ": "JWT", "kid": .string(keyRing.active.kid)]
        let oid = subject.user?.oid ?? subject.client.objectID
        claims["oid"] = .string(oid)
        claims["sub"] = .string(pairwiseSubject(oid: oid, appID: subject.resource.appID))
        if let user = subject.user {
            claims["name"] = .string(user.name)
            claims["scp"] = .string(subject.scopes.joined(separator: " "))
            claims["amr"] = .array(subject.amr.map(JSONValue.string))
        } else {
            claims["idtyp"] = "app"
        }
        if !subject.roles.isEmpty { claims["roles"] = .array(subject.roles.map(JSONValue.string)) }
        if let actor = subject.actor { claims["act"] = actor }
        if subject.resource.accessTokenVersion == 2 {
            claims["aud"] = .string(subject.resource.appID)
            claims["iss"] = .string(issuerV2)
            claims["azp"] = .string(subject.client.appID)
            claims["azpacr"] = .string(subject.credential.rawValue)
            claims["ver"] = "2.0"
            if let user = subject.user { claims["preferred_username"] = .string(user.username) }
        } else {
            claims["aud"] = .string(subject.resourceIdentifier.isEmpty ? subject.resource.appID : subject.resourceIdentifier)
            claims["iss"] = .string(issuerV1)
            claims["appid"] = .string(subject.client.appID)
            claims["appidacr"] = .string(subject.credential.rawValue)
            claims["ver"] = "1.0"
            header["x5t"] = .string(keyRing.active.kid)
            if let user = subject.user {
                claims["upn"] = .string(user.username)
                claims["unique_name"] = .string(user.username)
            }
        }
        let token = try CompactJWS.sign(header: header, claims: claims, key: .rsa(keyRing.active.key), algorithm: .rs256)
        return (token, Int(lifetime))
    }

    /// An id token for `client` (its `aud` is the client, as MSAL requires), with the `nonce`
    /// and `auth_time` of an interactive sign-in when there was one.
    func mintIDToken(user: DevUser, client: DevApplication, nonce: String?, authenticatedAt: Date?) throws -> String {
        let issuedAt = Int64(now.timeIntervalSince1970)
        var claims: JSONObject = [
            "aud": .string(client.appID),
            "iss": .string(issuerV2),
            "iat": .integer(issuedAt),
            "nbf": .integer(issuedAt),
            "exp": .integer(issuedAt + Int64(tenant.tokenLifetime.timeInterval)),
            "tid": .string(tenant.id),
            "oid": .string(user.oid),
            "sub": .string(pairwiseSubject(oid: user.oid, appID: client.appID)),
            "name": .string(user.name),
            "preferred_username": .string(user.username),
            "uti": .string(Self.uniqueTokenID()),
            "ver": "2.0",
        ]
        if let nonce { claims["nonce"] = .string(nonce) }
        if let authenticatedAt { claims["auth_time"] = .integer(Int64(authenticatedAt.timeIntervalSince1970)) }
        return try CompactJWS.sign(
            header: ["typ": "JWT", "kid": .string(keyRing.active.kid)], claims: claims, key: .rsa(keyRing.active.key), algorithm: .rs256)
    }

    /// The success response of a delegated grant (§2.4), with refresh token, id token and `client_info` when asked for.
    func delegatedResponse(_ subject: TokenSubject, requested: RequestedScopes, clientInfo: Bool) throws -> JSONObject {
        let (token, expiresIn) = try mintAccessToken(subject)
        let qualified = subject.scopes.map { "\(requested.resourceIdentifier)/\($0)" }
        var response: JSONObject = [
            "token_type": "Bearer",
            "scope": .string((qualified + requested.oidc.sorted()).joined(separator: " ")),
            "expires_in": .integer(Int64(expiresIn)),
            "ext_expires_in": .integer(Int64(expiresIn)),
            "access_token": .string(token),
        ]
        if let user = subject.user {
            if requested.wantsRefreshToken {
                response["refresh_token"] = .string(issueRefreshToken(user: user, client: subject.client, amr: subject.amr))
            }
            if requested.wantsIDToken {
                response["id_token"] = .string(
                    try mintIDToken(user: user, client: subject.client, nonce: subject.nonce, authenticatedAt: subject.authenticatedAt))
            }
            if clientInfo {
                let info = #"{"uid":"\#(user.oid)","utid":"\#(tenant.id)"}"#
                response["client_info"] = .string(Base64URL.encode(Data(info.utf8)))
            }
        }
        return response
    }

    func issueRefreshToken(user: DevUser, client: DevApplication, amr: [String]) -> String {
        let token = "0.dev." + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        refreshTokens[token] = RefreshGrant(
            userOID: user.oid, clientID: client.appID, amr: amr, expiresAt: now.addingTimeInterval(tenant.refreshTokenLifetime.timeInterval))
        return token
    }

    /// The user's app roles on `resource`.
    func roles(of user: DevUser, on resource: DevApplication) -> [String] {
        user.roles[resource.name] ?? []
    }

    /// Entra's pairwise `sub`: different for the same user at each app, stable for one app.
    func pairwiseSubject(oid: String, appID: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(oid)|\(appID)".utf8), using: pairwiseKey)
        return Base64URL.encode(Data(mac).prefix(32))
    }

    static func uniqueTokenID() -> String {
        Base64URL.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) })
    }
}
