import BatonCore

/// Why an inbound token was refused: one case, one stable code, per failure.
///
/// Descriptions never quote the token; they may quote a claim value (an issuer, an
/// audience) because those are not secret and the caller needs them to fix the request.
public enum TokenRejection: BatonError, Equatable {
    case missing
    case malformed(JWSError)
    case algorithmNone
    case algorithmHMAC(String)
    case algorithmNotAllowed(String)
    case criticalHeader([String])
    case headerKeyReference(String)
    case typeNotAllowed(String)
    case keyIDMissing
    case claimMissing(String)
    case claimInvalid(String, expected: String)
    case issuerUntrusted(String)
    case issuerVersionMismatch(issuer: String, version: String)
    case versionNotAccepted(Int)
    case tenantNotAllowed(String)
    case issuerTenantMismatch(issuer: String, tenant: String)
    case keyIDUnknown(String, refreshFailed: Bool)
    case keyAlgorithmMismatch(algorithm: String, keyType: String)
    case keyIssuerMismatch
    case signatureInvalid
    case expired
    case notYetValid
    case issuedInFuture
    case audienceInvalid(String)
    case appOnly
    case notAnAccessToken
    case insufficientScope(required: [String])
    case keysUnavailable(issuer: String, reason: String)

    public var code: String {
        switch self {
        case .missing: "token_missing"
        case .malformed(let error): error.code
        case .algorithmNone: "alg_none"
        case .algorithmHMAC: "alg_hmac"
        case .algorithmNotAllowed: "alg_not_allowed"
        case .criticalHeader: "crit_unsupported"
        case .headerKeyReference: "header_key_reference"
        case .typeNotAllowed: "typ_not_allowed"
        case .keyIDMissing: "kid_missing"
        case .claimMissing: "claim_missing"
        case .claimInvalid: "claim_invalid"
        case .issuerUntrusted: "issuer_untrusted"
        case .issuerVersionMismatch: "issuer_version_mismatch"
        case .versionNotAccepted: "version_not_accepted"
        case .tenantNotAllowed: "tenant_not_allowed"
        case .issuerTenantMismatch: "issuer_tenant_mismatch"
        case .keyIDUnknown: "kid_unknown"
        case .keyAlgorithmMismatch: "alg_key_mismatch"
        case .keyIssuerMismatch: "key_issuer_mismatch"
        case .signatureInvalid: "signature_invalid"
        case .expired: "token_expired"
        case .notYetValid: "token_not_yet_valid"
        case .issuedInFuture: "token_issued_in_future"
        case .audienceInvalid: "audience_invalid"
        case .appOnly: "app_only_token"
        case .notAnAccessToken: "not_an_access_token"
        case .insufficientScope: "insufficient_scope"
        case .keysUnavailable: "keys_unavailable"
        }
    }

    public var description: String {
        switch self {
        case .missing: "no bearer token was presented"
        case .malformed(let error): error.description
        case .algorithmNone: "unsigned tokens (alg 'none') are never accepted"
        case .algorithmHMAC(let alg): "'\(alg)' is a shared-secret algorithm; tokens from an identity provider must be signed with its public key"
        case .algorithmNotAllowed(let alg): "the signature algorithm '\(alg)' is not allowed for this issuer"
        case .criticalHeader(let names): "the token marks header(s) \(names.joined(separator: ", ")) critical, which Baton does not understand"
        case .headerKeyReference(let name): "the token's header carries '\(name)'; keys are only taken from the issuer's published key set"
        case .typeNotAllowed(let typ): "the token type '\(typ)' is not an access token type (JWT or at+jwt)"
        case .keyIDMissing: "the token's header has no 'kid' to select the issuer's key"
        case .claimMissing(let name): "the token has no '\(name)' claim"
        case .claimInvalid(let name, let expected): "the token's '\(name)' claim is not \(expected)"
        case .issuerUntrusted(let issuer): "the issuer '\(issuer)' is not trusted"
        case .issuerVersionMismatch(let issuer, let version):
            "a token from issuer '\(issuer)' cannot have version '\(version)' (v1 and v2 issuers are not interchangeable)"
        case .versionNotAccepted(let version): "v\(version) tokens are not accepted from this issuer"
        case .tenantNotAllowed(let tenant): "the tenant '\(tenant)' is not allowed"
        case .issuerTenantMismatch(let issuer, let tenant): "the issuer '\(issuer)' does not belong to the token's tenant '\(tenant)'"
        case .keyIDUnknown(let kid, let refreshFailed):
            "the key '\(kid)' is not among the issuer's published keys" + (refreshFailed ? " (the issuer could not be reached to refresh them)" : "")
        case .keyAlgorithmMismatch(let alg, let keyType): "the key for this token is \(keyType), which cannot verify '\(alg)'"
        case .keyIssuerMismatch: "the signing key is published for another issuer"
        case .signatureInvalid: "the token's signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet (nbf is in the future)"
        case .issuedInFuture: "the token claims to be issued in the future (iat)"
        case .audienceInvalid(let audience): "the token's audience '\(audience)' is not this service"
        case .appOnly: "an app-only token cannot act for a user here; a user's delegated token is required"
        case .notAnAccessToken: "the token carries neither delegated scopes nor roles; it is not an access token (an id token?)"
        case .insufficientScope(let required): "the token lacks the required scope or role: one of \(required.joined(separator: ", "))"
        case .keysUnavailable(let issuer, let reason): "no signing keys are available for '\(issuer)': \(reason)"
        }
    }
}
