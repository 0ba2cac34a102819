import BatonCore
import BatonIdentity
import Crypto
import Foundation

/// A local identity provider that speaks Entra ID's v2.0 protocol for one tenant.
///
/// It issues tokens the way Entra does (v1 or v2 per resource, pairwise `sub`, `uti`,
/// `azp`/`appid`), performs On-Behalf-Of with Entra's checks in Entra's order and Entra's
/// error shapes, offers RFC 8693 token exchange with nested `act`, and signs users in
/// through the authorization code flow with PKCE on a plain HTML page. Code written against
/// it runs unchanged against Entra. Test knobs shift its clock, rotate its keys, force
/// claims challenges, throttle it and take it down.
///
/// ```swift
/// let idp = try DevIdentityProvider(tenant: tenant)
/// await idp.setBaseURL("http://127.0.0.1:9000")
/// let response = try await idp.token(TokenRequest(...), tenantName: tenant.id)
/// ```
public actor DevIdentityProvider {
    public nonisolated let tenant: DevTenant
    var keyRing: SigningKeyRing
    /// Where the provider is reachable, e.g. `http://127.0.0.1:9000`; issuer and endpoints derive from it.
    public private(set) var baseURL: String = "http://127.0.0.1"
    var refreshTokens: [String: RefreshGrant] = [:]
    var authorizationCodes: [String: AuthorizationCodeGrant] = [:]
    /// Codes already redeemed, each with the expiry it had: a second redemption gets AADSTS54005.
    var redeemedAuthorizationCodes: [String: Date] = [:]
    let pairwiseKey: SymmetricKey

    // MARK: Test knobs
    var clockOffset: Duration = .zero
    /// The key set's `Cache-Control: max-age`, in seconds.
    var keySetMaxAge = 86_400
    var forcedChallenges: [String: String] = [:]
    var throttledRequests = 0
    var throttleRetryAfter = 1
    public private(set) var isUnavailable = false
    /// Discovery and key-set requests refused with 503 while unavailable, so that tests can
    /// wait for a fetch to have failed instead of sleeping.
    public private(set) var refusedDocumentRequests = 0
    /// Token-endpoint requests received, refused ones included, for tests of caching and retries.
    public private(set) var tokenRequestCount = 0

    public init(tenant: DevTenant) throws {
        self.tenant = tenant
        self.keyRing = try SigningKeyRing()
        self.pairwiseKey = SymmetricKey(size: .bits256)
    }

    public func setBaseURL(_ url: String) {
        baseURL = URLText.trimmingTrailingSlash(url)
    }

    /// The provider's notion of now, shifted by the clock-offset knob.
    var now: Date { Date().addingTimeInterval(clockOffset.timeInterval) }

    // MARK: - Addresses

    /// `{base}/{tid}/v2.0`, the issuer of v2 tokens and the authority for MSAL's `oidc_authority`.
    public var issuerV2: String { "\(baseURL)/\(tenant.id)/v2.0" }
    /// `https://sts.windows.net/{tid}/`, the issuer of v1 tokens exactly as Entra writes it.
    public var issuerV1: String { "https://sts.windows.net/\(tenant.id)/" }
    /// The v2 token endpoint.
    public var tokenEndpoint: String { EntraEndpoints.tokenEndpoint(authority: baseURL, tenant: tenant.id) }
    /// The v2 authorization endpoint, where a client sends the browser to sign a user in.
    public var authorizationEndpoint: String { "\(baseURL)/\(tenant.id)/oauth2/v2.0/authorize" }
    /// The v2 discovery document's URL.
    public var discoveryURL: String { "\(issuerV2)/.well-known/openid-configuration" }

    // MARK: - Test knobs

    /// Shifts the provider's clock, e.g. to issue tokens that are already expired for a verifier.
    public func setClockOffset(_ offset: Duration) {
        clockOffset = offset
    }

    /// Sets the `Cache-Control: max-age` (seconds) the key set is served with (a day by default).
    public func setKeySetMaxAge(_ seconds: Int) {
        keySetMaxAge = seconds
    }

    /// Publishes a new signing key and signs with it from now on; the old key stays published.
    public func rotateSigningKey() throws {
        try keyRing.rotate()
    }

    /// Unpublishes every signing key but the active one, as Entra does at the end of a rotation.
    public func retireInactiveSigningKeys() {
        keyRing.retireInactive()
    }

    /// The `kid` of the key that signs now.
    public var activeKeyID: String { keyRing.active.kid }

    /// Makes every OBO for `resource` (an app name) fail with 50076 and `claims`, until cleared with `nil`.
    public func forceClaimsChallenge(for resource: String, claims: String?) {
        forcedChallenges[resource] = claims
    }

    /// Answers the next `count` token requests with 429 and `Retry-After: retryAfter`.
    public func throttle(next count: Int, retryAfter: Int) {
        throttledRequests = count
        throttleRetryAfter = retryAfter
    }

    /// While unavailable, every endpoint answers 503.
    public func setUnavailable(_ unavailable: Bool) {
        isUnavailable = unavailable
    }

    /// Whether a discovery or key-set request is served; a refusal is counted.
    func servesDocument() -> Bool {
        guard isUnavailable else { return true }
        refusedDocumentRequests += 1
        return false
    }

    /// Signs arbitrary claims with the active key (or the key published as `kid`), for
    /// tests of verifiers: a genuine signature over claims no real grant would issue.
    public func signCustomToken(header: JSONObject = ["typ": "JWT"], claims: JSONObject, signingKeyID: String? = nil) throws -> String {
        let entry = keyRing.entries.first { $0.kid == (signingKeyID ?? keyRing.active.kid) } ?? keyRing.active
        var header = header
        if header["kid"] == nil { header["kid"] = .string(entry.kid) }
        return try CompactJWS.sign(header: header, claims: claims, key: .rsa(entry.key), algorithm: .rs256)
    }

    /// The published key ids, oldest first.
    public var publishedKeyIDs: [String] { keyRing.entries.map(\.kid) }

    /// The active signing key's public part, e.g. to forge an HMAC "signed" with it in tests.
    public var activePublicKeyPEM: String { keyRing.active.key.publicKey.pemRepresentation }

    // MARK: - Documents

    /// The v2 (`version` 2) or v1 discovery document, field for field as Entra serves it (§1.2).
    ///
    /// For `organizations` and `common` the issuer is Entra's literal template with
    /// `{tenantid}` and the endpoints use the alias, as for a multi-tenant app.
    public func discoveryDocument(version: Int, tenantName: String? = nil) -> JSONObject {
        let alias = tenantName.flatMap { DevTenant.multiTenantAliases.contains($0) ? $0 : nil }
        let tenantBase = "\(baseURL)/\(alias ?? tenant.id)"
        var document: JSONObject = [
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "claims_supported": [
                "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
                "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email",
            ],
            "request_uri_parameter_supported": false,
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "kerberos_endpoint": .string("\(tenantBase)/kerberos"),
            "tenant_region_scope": "WW",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        ]
        if version == 2 {
            document["issuer"] = .string(alias == nil ? issuerV2 : "\(baseURL)/{tenantid}/v2.0")
            document["authorization_endpoint"] = .string("\(tenantBase)/oauth2/v2.0/authorize")
            document["token_endpoint"] = .string(tokenEndpoint)
            document["device_authorization_endpoint"] = .string("\(tenantBase)/oauth2/v2.0/devicecode")
            document["end_session_endpoint"] = .string("\(tenantBase)/oauth2/v2.0/logout")
            document["jwks_uri"] = .string("\(tenantBase)/discovery/v2.0/keys")
            document["response_types_supported"] = ["code", "id_token", "code id_token", "id_token token"]
            // Entra does not advertise this field (RFC 8414 §2), but MCP clients since the
            // 2025-11-25 authorization spec refuse a server without it; Entra accepts both methods.
            document["code_challenge_methods_supported"] = ["S256", "plain"]
        } else {
            document["issuer"] = .string(alias == nil ? issuerV1 : "https://sts.windows.net/{tenantid}/")
            document["authorization_endpoint"] = .string("\(tenantBase)/oauth2/authorize")
            document["token_endpoint"] = .string("\(tenantBase)/oauth2/token")
            document["device_authorization_endpoint"] = .string("\(tenantBase)/oauth2/devicecode")
            document["end_session_endpoint"] = .string("\(tenantBase)/oauth2/logout")
            document["check_session_iframe"] = .string("\(tenantBase)/oauth2/checksession")
            document["jwks_uri"] = .string("\(tenantBase)/discovery/keys")
            document["microsoft_multi_refresh_token"] = true
            document["response_types_supported"] = ["code", "id_token", "code id_token", "token id_token", "token"]
        }
        return document
    }

    /// The JWKS, v2 (`version` 2) keys carrying the v2 issuer and v1 keys the v1 issuer
    /// (templated with `{tenantid}` when asked through `organizations` or `common`).
    public func keySet(version: Int, tenantName: String? = nil) throws -> JSONWebKeySet {
        let templated = tenantName.map(DevTenant.multiTenantAliases.contains) ?? false
        let issuer =
            switch (version, templated) {
            case (2, false): issuerV2
            case (2, true): "\(baseURL)/{tenantid}/v2.0"
            case (_, false): issuerV1
            case (_, true): "https://sts.windows.net/{tenantid}/"
            }
        return try keyRing.keySet(issuer: issuer)
    }

    /// MSAL's instance discovery answer for this host.
    public func instanceDiscovery() -> JSONObject {
        [
            "tenant_discovery_endpoint": .string(discoveryURL),
            "api-version": "1.1",
            "metadata": [["preferred_network": .string(host), "preferred_cache": .string(host), "aliases": [.string(host)]]],
        ]
    }

    private var host: String {
        URL(string: baseURL).map { url in url.port.map { "\(url.host ?? "localhost"):\($0)" } ?? (url.host ?? "localhost") } ?? "localhost"
    }

    // MARK: - The token endpoint

    /// Handles one token request for the tenant named `tenantName` in the URL.
    public func token(_ request: TokenRequest, tenantName: String) throws(EntraError) -> JSONObject {
        tokenRequestCount += 1
        guard !isUnavailable else { throw .unavailable }
        guard tenant.isNamed(tenantName) else { throw .tenantNotFound(tenantName) }
        if throttledRequests > 0 {
            throttledRequests -= 1
            throw .throttled(retryAfter: throttleRetryAfter)
        }
        let grant = try request.required("grant_type")
        switch grant {
        case "password": return try passwordGrant(request)
        case "authorization_code": return try authorizationCodeGrant(request)
        case "client_credentials": return try clientCredentialsGrant(request)
        case "refresh_token": return try refreshTokenGrant(request)
        case GrantType.jwtBearer: return try onBehalfOfGrant(request)
        case GrantType.tokenExchange: return try tokenExchangeGrant(request)
        default: throw .unsupportedGrant(grant)
        }
    }
}

/// Grant and token-type identifiers.
enum GrantType {
    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    static let tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let clientAssertionJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
}
