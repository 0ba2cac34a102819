/// Tunables of token verification, with production defaults.
public struct VerifierSettings: Sendable, Equatable {
    /// Leeway for `exp`, `nbf` and `iat`. Default 60 s.
    public var clockSkew: Duration
    /// Longer tokens are refused before parsing. Default 16 KiB.
    public var maximumTokenSize: Int
    /// An unknown `kid` (or an unreadable discovery document) is retried at most this often. Default 30 s.
    public var keyRefetchInterval: Duration
    /// How long keys are cached when the JWKS response gives no `max-age`. Default 24 h.
    public var defaultKeyLifetime: Duration
    /// Tokens whose signature was verified, remembered (by hash) until they expire so the
    /// next hop skips the signature check; 0 turns it off. Default 4,096 (about 2 MB).
    public var verifiedTokenCacheSize: Int

    public init(
        clockSkew: Duration = .seconds(60), maximumTokenSize: Int = 16 * 1024, keyRefetchInterval: Duration = .seconds(30),
        defaultKeyLifetime: Duration = .seconds(86_400), verifiedTokenCacheSize: Int = 4_096
    ) {
        self.verifiedTokenCacheSize = verifiedTokenCacheSize
        self.clockSkew = clockSkew
        self.maximumTokenSize = maximumTokenSize
        self.keyRefetchInterval = keyRefetchInterval
        self.defaultKeyLifetime = defaultKeyLifetime
    }
}

/// What a route or an agent demands of a token beyond its being genuine.
public struct TokenPolicy: Sendable, Equatable {
    /// Accepted `aud` values: the app id GUID and identifier URIs of the receiving service.
    public var audiences: Set<String>
    /// Refuse app-only tokens. Default true: Baton acts for users.
    public var requireUser: Bool
    /// At least one of these delegated scopes or roles is needed; both empty means none is.
    public var requiredScopes: Set<String>
    public var requiredRoles: Set<String>
    /// Expect an OpenID Connect ID token (audience: the client that signed the user in),
    /// which names a user but carries no scopes. Default false: only access tokens pass.
    public var isIDToken = false

    /// What an ID token for `clientID` must be: signed by a trusted issuer, for that client, unexpired.
    public static func idToken(for clientID: String) -> TokenPolicy {
        var policy = TokenPolicy(audiences: [clientID])
        policy.isIDToken = true
        return policy
    }

    public init(audiences: Set<String>, requireUser: Bool = true, requiredScopes: Set<String> = [], requiredRoles: Set<String> = []) {
        self.audiences = audiences
        self.requireUser = requireUser
        self.requiredScopes = requiredScopes
        self.requiredRoles = requiredRoles
    }
}
