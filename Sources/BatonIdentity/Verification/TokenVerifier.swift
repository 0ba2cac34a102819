import BatonCore
import Foundation
import Logging

/// Verifies inbound bearer tokens from trusted issuers, Entra v1 and v2 and any OIDC provider.
///
/// The checks run in a fixed order, so each kind of bad token is refused with its own
/// ``TokenRejection``: size and shape; header (algorithm allowlist — never `none`, never
/// HMAC —, `crit`, embedded key references, `typ`, `kid`); issuer, version and tenant;
/// the key and the signature; `exp`/`nbf`/`iat` with skew; audience; subject; user versus
/// app; scope or role. Agents verify delegated tokens with the same code as the gateway.
///
/// A token whose signature was already verified here (the same bytes) skips the parse and
/// the signature check until it expires (``VerifiedTokenCache``); every other check runs
/// on every call, and the key it was signed with must still be published.
///
/// ```swift
/// let verifier = TokenVerifier(issuers: [entra], fingerprinter: fingerprinter)
/// let verified = try await verifier.verify(token, policy: TokenPolicy(audiences: ["api://concierge"]))
/// print(verified.principal.objectID)
/// ```
public struct TokenVerifier: Sendable {
    private let directory: IssuerDirectory
    private let settings: VerifierSettings
    private let fingerprinter: TokenFingerprinter
    private let verified: VerifiedTokenCache
    private let now: @Sendable () -> Date

    public init(
        issuers: [TrustedIssuer], settings: VerifierSettings = .init(), fingerprinter: TokenFingerprinter, fetcher: HTTPDocumentFetcher = .init(),
        logger: Logger = Logger(label: "baton.identity"), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.directory = IssuerDirectory(issuers: issuers, fetcher: fetcher, settings: settings, logger: logger)
        self.settings = settings
        self.fingerprinter = fingerprinter
        self.verified = VerifiedTokenCache(capacity: settings.verifiedTokenCacheSize)
        self.now = now
    }

    /// Verifies `token` and returns whom it speaks for, or throws why it is refused.
    public func verify(_ token: String, policy: TokenPolicy) async throws(TokenRejection) -> VerifiedToken {
        guard !token.isEmpty else { throw .missing }
        let cacheKey = verified.capacity > 0 && token.utf8.count <= settings.maximumTokenSize ? VerifiedTokenCache.key(of: token) : nil
        let cached = cacheKey.flatMap { verified.entry(for: $0, now: Int64(now().timeIntervalSince1970)) }
        let jws: CompactJWS?
        let claims: JSONObject
        let algorithm: JWSAlgorithm
        let kid: String
        if let cached {
            (jws, claims, algorithm, kid) = (nil, cached.claims, cached.algorithm, cached.kid)
        } else {
            do {
                jws = try CompactJWS(parsing: token, sizeLimit: settings.maximumTokenSize)
            } catch {
                throw error == .empty ? .missing : .malformed(error)
            }
            claims = jws!.claims
            (algorithm, kid) = try checkHeader(jws!.header)
        }
        let iss = try string(claims, "iss")
        let (issuer, templateTenant) = try await directory.resolve(iss)
        let tenant = try checkIssuer(issuer, iss: iss, templateTenant: templateTenant, claims: claims)
        guard issuer.trusted.algorithms.contains(algorithm) else { throw .algorithmNotAllowed(algorithm.rawValue) }

        let key: JWKSCache.Key
        do {
            key = try await issuer.keys.key(for: kid, issuer: issuer.trusted.name)
        } catch {
            // The key set no longer publishes the key the cached token was signed with.
            if let cacheKey, cached != nil { verified.remove(cacheKey) }
            throw error
        }
        guard key.key.algorithms.contains(algorithm) else { throw .keyAlgorithmMismatch(algorithm: algorithm.rawValue, keyType: key.jwk.kty) }
        if let keyIssuer = key.jwk.issuer, !Self.keyIssuer(keyIssuer, matches: iss, tenant: tenant ?? "") { throw .keyIssuerMismatch }
        if let jws {
            guard key.key.isValid(jws.signature, for: jws.signingInput, algorithm: algorithm) else { throw .signatureInvalid }
        }

        try checkTimes(claims)
        let fingerprint = cached?.fingerprint ?? fingerprinter.fingerprint(of: token)
        if cached == nil, let cacheKey, let expiry = claims["exp"]?.integerValue {
            let skew = Int64(settings.clockSkew.components.seconds)
            verified.insert(.init(claims: claims, algorithm: algorithm, kid: kid, expiresAt: expiry + skew, fingerprint: fingerprint), for: cacheKey)
        }
        try checkAudience(claims, policy: policy)
        let principal = try principal(claims, fingerprint: fingerprint, tenant: tenant, version: issuer.version, isIDToken: policy.isIDToken)
        try checkAuthorization(principal, policy: policy)
        return VerifiedToken(principal: principal, claims: claims, issuer: iss)
    }

    /// The user an authentic token speaks for — its issuer trusted, its header sound, its
    /// signature good with a key the issuer publishes — even when ``verify(_:policy:)``
    /// refuses it for what it says (expired, for another audience, without a scope), so the
    /// refusal can be recorded against the user it concerns. `nil` for a token that is not
    /// authentic or names no user: those are nobody's, and are not recorded.
    public func authenticUser(of token: String) async -> ChainUser? {
        guard let jws = try? CompactJWS(parsing: token, sizeLimit: settings.maximumTokenSize),
            case let (algorithm, kid)? = try? checkHeader(jws.header),
            let iss = jws.claims["iss"]?.stringValue,
            case let (issuer, templateTenant)? = try? await directory.resolve(iss),
            case let tenant? = try? checkIssuer(issuer, iss: iss, templateTenant: templateTenant, claims: jws.claims),
            issuer.trusted.algorithms.contains(algorithm),
            let key = try? await issuer.keys.key(for: kid, issuer: issuer.trusted.name), key.key.algorithms.contains(algorithm),
            key.jwk.issuer.map({ Self.keyIssuer($0, matches: iss, tenant: tenant ?? "") }) ?? true,
            key.key.isValid(jws.signature, for: jws.signingInput, algorithm: algorithm),
            let oid = jws.claims["oid"]?.stringValue, GUID.isValid(oid)
        else { return nil }
        return ChainUser(
            tenantID: tenant ?? "", objectID: oid.lowercased(),
            username: jws.claims["preferred_username"]?.stringValue ?? jws.claims["upn"]?.stringValue)
    }

    /// Tokens whose verified signature is remembered now, for stats and tests.
    public var cachedTokenCount: Int { verified.count }

    /// Key-set requests made so far, for tests of rate limiting.
    public func keyFetchCount() async -> Int {
        await directory.keyFetchCount()
    }

    // MARK: - The checks, in order

    private func checkHeader(_ header: JSONObject) throws(TokenRejection) -> (JWSAlgorithm, String) {
        guard let alg = header["alg"]?.stringValue else { throw .claimInvalid("alg", expected: "a signature algorithm name") }
        if alg.lowercased() == "none" { throw .algorithmNone }
        if alg.uppercased().hasPrefix("HS") { throw .algorithmHMAC(alg) }
        guard let algorithm = JWSAlgorithm(rawValue: alg) else { throw .algorithmNotAllowed(alg) }
        if let critical = header["crit"] {
            throw .criticalHeader(critical.stringArrayValue ?? ["(malformed)"])
        }
        for reference in ["jku", "jwk", "x5u"] where header[reference] != nil {
            throw .headerKeyReference(reference)
        }
        if let typ = header["typ"] {
            guard let text = typ.stringValue, ["jwt", "at+jwt", "application/at+jwt"].contains(text.lowercased()) else {
                throw .typeNotAllowed(typ.stringValue ?? "(not a string)")
            }
        }
        guard let kid = header["kid"]?.stringValue, !kid.isEmpty else { throw .keyIDMissing }
        return (algorithm, kid)
    }

    /// Version, tenant allowlist and, for Entra, that the issuer names the token's tenant.
    private func checkIssuer(_ issuer: IssuerDirectory.ResolvedIssuer, iss: String, templateTenant: String?, claims: JSONObject)
        throws(TokenRejection)
        -> String?
    {
        let trusted = issuer.trusted
        if let version = issuer.version {
            let written = claims["ver"]?.stringValue
            guard written == nil || written == "\(version).0" else { throw .issuerVersionMismatch(issuer: iss, version: written ?? "") }
        }
        var tenant = templateTenant
        if let value = claims["tid"] {
            guard let tid = value.stringValue else { throw .claimInvalid("tid", expected: "a string") }
            tenant = tid.lowercased()
        }
        if trusted.isEntra {
            guard let tenant else { throw .claimMissing("tid") }
            guard GUID.isValid(tenant) else { throw .claimInvalid("tid", expected: "a tenant GUID") }
            if let templateTenant, templateTenant != tenant { throw .issuerTenantMismatch(issuer: iss, tenant: tenant) }
            if templateTenant == nil, !ASCIIText.contains(iss, caseInsensitive: "/\(tenant)/") {
                throw .issuerTenantMismatch(issuer: iss, tenant: tenant)
            }
        }
        if !trusted.tenants.isEmpty {
            guard let tenant, trusted.tenants.contains(tenant) else { throw .tenantNotAllowed(tenant ?? "(none)") }
        }
        return tenant
    }

    private func checkTimes(_ claims: JSONObject) throws(TokenRejection) {
        let now = now().timeIntervalSince1970
        let skew = Double(settings.clockSkew.components.seconds)
        guard let expiry = try seconds(claims, "exp") else { throw .claimMissing("exp") }
        guard now <= Double(expiry) + skew else { throw .expired }
        if let notBefore = try seconds(claims, "nbf"), Double(notBefore) > now + skew { throw .notYetValid }
        if let issuedAt = try seconds(claims, "iat"), Double(issuedAt) > now + skew { throw .issuedInFuture }
    }

    private func checkAudience(_ claims: JSONObject, policy: TokenPolicy) throws(TokenRejection) {
        guard let audience = claims["aud"] else { throw .claimMissing("aud") }
        let audiences: [String]
        if let single = audience.stringValue {
            audiences = [single]
        } else if let several = audience.stringArrayValue, !several.isEmpty {
            audiences = several
        } else {
            throw .claimInvalid("aud", expected: "a string or a list of strings")
        }
        let accepted = Set(policy.audiences.map { $0.lowercased() })
        guard audiences.contains(where: { accepted.contains($0.lowercased()) }) else { throw .audienceInvalid(audiences.joined(separator: " ")) }
    }

    private func principal(_ claims: JSONObject, fingerprint: TokenFingerprint, tenant: String?, version: Int?, isIDToken: Bool)
        throws(TokenRejection)
        -> Principal
    {
        let oid = try string(claims, "oid")
        guard GUID.isValid(oid) else { throw .claimInvalid("oid", expected: "an object GUID") }
        var scopes: [String]?
        if let value = claims["scp"] {
            guard let text = value.stringValue else { throw .claimInvalid("scp", expected: "a space-separated string") }
            scopes = text.split(separator: " ").map(String.init)
        }
        var roles: [String]?
        if let value = claims["roles"] {
            guard let list = value.stringArrayValue else { throw .claimInvalid("roles", expected: "a list of strings") }
            roles = list
        }
        let isAppOnly = !isIDToken && (claims["idtyp"]?.stringValue == "app" || (scopes == nil && roles != nil))
        if scopes == nil, !isAppOnly, !isIDToken { throw .notAnAccessToken }
        return Principal(
            tenantID: tenant ?? "",
            objectID: oid.lowercased(),
            username: claims["preferred_username"]?.stringValue ?? claims["upn"]?.stringValue,
            name: claims["name"]?.stringValue,
            scopes: scopes ?? [],
            roles: roles ?? [],
            tokenVersion: version,
            clientID: claims["azp"]?.stringValue ?? claims["appid"]?.stringValue,
            isAppOnly: isAppOnly,
            fingerprint: fingerprint
        )
    }

    private func checkAuthorization(_ principal: Principal, policy: TokenPolicy) throws(TokenRejection) {
        if policy.requireUser, principal.isAppOnly { throw .appOnly }
        guard !policy.requiredScopes.isEmpty || !policy.requiredRoles.isEmpty else { return }
        let granted = !policy.requiredScopes.isDisjoint(with: principal.scopes) || !policy.requiredRoles.isDisjoint(with: principal.roles)
        guard granted else { throw .insufficientScope(required: (policy.requiredScopes.sorted() + policy.requiredRoles.sorted())) }
    }

    /// Whether a key's `issuer` (Entra's may hold `{tenantid}`) names `iss`.
    private static func keyIssuer(_ keyIssuer: String, matches iss: String, tenant: String) -> Bool {
        guard let (prefix, suffix) = ASCIIText.split(keyIssuer, around: "{tenantid}") else { return keyIssuer == iss }
        return iss == prefix + tenant + suffix
    }

    // MARK: - Claim access

    private func string(_ claims: JSONObject, _ name: String) throws(TokenRejection) -> String {
        guard let value = claims[name] else { throw .claimMissing(name) }
        guard let text = value.stringValue, !text.isEmpty else { throw .claimInvalid(name, expected: "a non-empty string") }
        return text
    }

    private func seconds(_ claims: JSONObject, _ name: String) throws(TokenRejection) -> Int64? {
        guard let value = claims[name] else { return nil }
        guard let seconds = value.integerValue else { throw .claimInvalid(name, expected: "a number of seconds") }
        return seconds
    }
}

/// A token that passed verification: whom it is for, its claims and its issuer.
public struct VerifiedToken: Sendable {
    public let principal: Principal
    public let claims: JSONObject
    public let issuer: String
}
