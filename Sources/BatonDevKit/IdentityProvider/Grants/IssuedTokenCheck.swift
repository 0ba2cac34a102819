import BatonCore
import BatonIdentity
import Foundation

/// A token this provider issued, with its signature checked.
struct IssuedToken: Sendable {
    let jws: CompactJWS

    var claims: JSONObject { jws.claims }
    var audience: String? { claims["aud"]?.stringValue }
    var expiry: Date? { claims["exp"]?.integerValue.map { Date(timeIntervalSince1970: TimeInterval($0)) } }
    var oid: String? { claims["oid"]?.stringValue }
    var isAppOnly: Bool { claims["idtyp"]?.stringValue == "app" }
    var isUserAccessToken: Bool { claims["scp"] != nil }
    /// The app that obtained the token (`azp` in v2, `appid` in v1).
    var authorizedParty: String? { claims["azp"]?.stringValue ?? claims["appid"]?.stringValue }
    var amr: [String] { claims["amr"]?.stringArrayValue ?? [] }
}

extension DevIdentityProvider {
    /// Parses `token` and checks that one of this provider's keys signed it for one of its issuers.
    func issuedToken(_ token: String) -> IssuedToken? {
        guard let jws = try? CompactJWS(parsing: token), jws.algorithm == .rs256,
            let kid = jws.header["kid"]?.stringValue, let entry = keyRing.entries.first(where: { $0.kid == kid }),
            JWSVerificationKey.rsa(entry.key.publicKey).isValid(jws.signature, for: jws.signingInput, algorithm: .rs256),
            let issuer = jws.claims["iss"]?.stringValue, issuer == issuerV2 || issuer == issuerV1
        else { return nil }
        return IssuedToken(jws: jws)
    }

    /// The Conditional Access decision for `user` reaching `resource` (§2.3 step 6).
    ///
    /// A forced challenge (test knob) always applies. Otherwise MFA is needed when the
    /// resource demands it, or, on OBO and refresh, when the user is flagged — and is
    /// satisfied by an `mfa` entry in the authentication methods carried from sign-in.
    func conditionalAccess(user: DevUser, resource: DevApplication, amr: [String], delegatedHop: Bool) throws(EntraError) {
        if let claims = forcedChallenges[resource.name] {
            throw .multiFactorRequired(resource: resource, claims: claims)
        }
        let needsMFA = resource.requiresMFA || (delegatedHop && user.mfaRequired)
        if needsMFA, !amr.contains("mfa") {
            let policy = "\(tenant.id.prefix(8))-mfa-\(resource.name)"
            throw .multiFactorRequired(resource: resource, claims: #"{"access_token":{"capolids":{"essential":true,"values":["\#(policy)"]}}}"#)
        }
    }
}
