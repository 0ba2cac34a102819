/// The `identity:` section: which issuers' tokens the daemon accepts, and for which audiences.
public struct IdentitySettings: Sendable, Equatable {
    /// Audiences the HTTP API accepts (the front door's app id and identifier URIs).
    public var audiences: [String]
    /// Leeway for `exp`, `nbf`, `iat`. Default 60 s.
    public var clockSkew: Duration
    /// Longer tokens are refused unread. Default 16384 bytes.
    public var maximumTokenSize: Int
    /// An unknown `kid` refetches an issuer's keys at most this often. Default 30 s.
    public var keyRefetchInterval: Duration
    /// How long keys are kept when the issuer sends no `max-age`. Default 24 h.
    public var keyCacheLifetime: Duration
    /// Tokens whose signature was verified, remembered until they expire so the next hop
    /// skips the signature check; 0 turns it off. Default 4096.
    public var verifiedTokenCacheSize: Int
    public var issuers: [IssuerSettings]
    /// Key sets (`https://other-daemon/.well-known/baton-keys.json`) of the Baton daemons
    /// whose delegation-chain assertions this one accepts from A2A callers; its own key is
    /// always trusted.
    public var trustedChainKeys: [String] = []

    public init(
        audiences: [String] = [], clockSkew: Duration = .seconds(60), maximumTokenSize: Int = 16_384, keyRefetchInterval: Duration = .seconds(30),
        keyCacheLifetime: Duration = .seconds(86_400), verifiedTokenCacheSize: Int = 4_096, issuers: [IssuerSettings] = []
    ) {
        self.verifiedTokenCacheSize = verifiedTokenCacheSize
        self.audiences = audiences
        self.clockSkew = clockSkew
        self.maximumTokenSize = maximumTokenSize
        self.keyRefetchInterval = keyRefetchInterval
        self.keyCacheLifetime = keyCacheLifetime
        self.issuers = issuers
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = IdentitySettings()
        self.audiences = try section.list("audiences", default: defaults.audiences)
        self.clockSkew = try section.value("clock_skew", default: defaults.clockSkew)
        self.maximumTokenSize = try section.value("max_token_size", default: defaults.maximumTokenSize)
        guard (1024...65_536).contains(maximumTokenSize) else { throw section.invalid("max_token_size", "must be between 1024 and 65536") }
        self.keyRefetchInterval = try section.value("key_refetch_interval", default: defaults.keyRefetchInterval)
        self.keyCacheLifetime = try section.value("key_cache_lifetime", default: defaults.keyCacheLifetime)
        self.verifiedTokenCacheSize = try section.value("verified_token_cache", default: defaults.verifiedTokenCacheSize)
        guard (0...1_000_000).contains(verifiedTokenCacheSize) else { throw section.invalid("verified_token_cache", "must be between 0 and 1000000") }
        self.trustedChainKeys = try section.list("trusted_chain_keys", default: [String]())
        for url in trustedChainKeys where !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw section.invalid("trusted_chain_keys", "'\(url)' must be the http(s) URL of a daemon's /.well-known/baton-keys.json")
        }
        var issuers: [IssuerSettings] = []
        for issuer in try section.sections("issuers") {
            issuers.append(try IssuerSettings(section: issuer))
        }
        self.issuers = issuers
        if !issuers.isEmpty, audiences.isEmpty {
            throw section.invalid("audiences", "list the audiences (app id, api:// URI) the HTTP API accepts")
        }
        try section.finish()
    }
}

/// One trusted issuer under `identity.issuers`.
public struct IssuerSettings: Sendable, Equatable {
    public enum Kind: String, ConfigChoice, Sendable {
        /// Entra ID (or `baton dev idp`): discovery derived from `authority` per tenant and version.
        case entra
        /// Any OpenID Connect provider, by `discovery_url`.
        case oidc
    }

    /// Signature algorithms an issuer may use.
    public enum Algorithm: String, ConfigChoice, Sendable {
        case rs256 = "RS256"
        case ps256 = "PS256"
        case es256 = "ES256"
    }

    public var name: String
    public var kind: Kind
    /// For Entra: `https://login.microsoftonline.com`, or the dev IdP's base URL.
    public var authority: String?
    /// For OIDC: the discovery document's URL.
    public var discoveryURL: String?
    /// Accepted tenants (`tid`).
    public var tenants: [String]
    /// For Entra: use the `organizations` documents and Entra's `{tenantid}` issuer template.
    public var multiTenant: Bool
    /// For Entra: token versions accepted.
    public var versions: [Int]
    public var algorithms: [Algorithm]

    public init(
        name: String, kind: Kind, authority: String? = nil, discoveryURL: String? = nil, tenants: [String] = [], multiTenant: Bool = false,
        versions: [Int] = [1, 2], algorithms: [Algorithm] = [.rs256]
    ) {
        self.name = name
        self.kind = kind
        self.authority = authority
        self.discoveryURL = discoveryURL
        self.tenants = tenants
        self.multiTenant = multiTenant
        self.versions = versions
        self.algorithms = algorithms
    }

    init(section: ConfigSection) throws(ConfigError) {
        self.name = try section.requiredValue("name")
        self.kind = try section.requiredValue("type")
        self.authority = try section.optionalValue("authority")
        self.discoveryURL = try section.optionalValue("discovery_url")
        self.tenants = try section.list("tenants", default: [])
        self.multiTenant = try section.value("multi_tenant", default: false)
        self.versions = try section.list("versions", default: [1, 2])
        self.algorithms = try section.list("algorithms", default: [.rs256])
        try validate(section)
        try section.finish()
    }

    private func validate(_ section: ConfigSection) throws(ConfigError) {
        func isURL(_ text: String) -> Bool { text.hasPrefix("https://") || text.hasPrefix("http://") }
        switch kind {
        case .entra:
            guard let authority, isURL(authority) else { throw section.invalid("authority", "an entra issuer needs an http(s) authority URL") }
            guard !tenants.isEmpty else { throw section.invalid("tenants", "list the tenant ids whose tokens are accepted") }
            guard !versions.isEmpty, versions.allSatisfy({ $0 == 1 || $0 == 2 }) else { throw section.invalid("versions", "must be 1, 2 or both") }
        case .oidc:
            guard let discoveryURL, isURL(discoveryURL) else {
                throw section.invalid("discovery_url", "an oidc issuer needs an http(s) discovery URL")
            }
        }
        for tenant in tenants where tenant.split(separator: "-").map(\.count) != [8, 4, 4, 4, 12] {
            throw section.invalid("tenants", "'\(tenant)' is not a tenant GUID")
        }
        guard !algorithms.isEmpty else { throw section.invalid("algorithms", "at least one algorithm is needed") }
    }
}
