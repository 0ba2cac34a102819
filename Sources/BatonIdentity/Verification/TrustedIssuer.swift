import BatonCore

/// An identity provider whose tokens Baton accepts, and how to find its keys.
public struct TrustedIssuer: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Entra ID (or the dev IdP): discovery documents derived from the authority per tenant and token version.
        /// With `multiTenant`, the `organizations` documents and their `{tenantid}` issuer template are used.
        case entra(authority: String, multiTenant: Bool)
        /// Any OpenID Connect provider, by its discovery document.
        case openIDConnect(discoveryURL: String)
    }

    /// A name for messages and configuration.
    public var name: String
    public var kind: Kind
    /// Tenants (`tid`) whose tokens are accepted; empty accepts any tenant (only sensible for non-Entra issuers).
    public var tenants: Set<String>
    /// Entra token versions accepted (1, 2).
    public var versions: Set<Int>
    /// Signature algorithms accepted from this issuer.
    public var algorithms: Set<JWSAlgorithm>

    public init(name: String, kind: Kind, tenants: Set<String> = [], versions: Set<Int> = [1, 2], algorithms: Set<JWSAlgorithm> = [.rs256]) {
        self.name = name
        self.kind = kind
        self.tenants = Set(tenants.map { $0.lowercased() })
        self.versions = versions
        self.algorithms = algorithms
    }

    /// The discovery documents to read, each with the token version its issuer stands for.
    var discoverySources: [(url: String, version: Int?)] {
        switch kind {
        case .openIDConnect(let url):
            return [(url, nil)]
        case .entra(let authority, let multiTenant):
            let tenantSegments = multiTenant ? ["organizations"] : tenants.sorted()
            return tenantSegments.flatMap { tenant in
                versions.sorted().map { version in (EntraEndpoints.discoveryDocument(authority: authority, tenant: tenant, version: version), version)
                }
            }
        }
    }

    var isEntra: Bool {
        if case .entra = kind { true } else { false }
    }
}
