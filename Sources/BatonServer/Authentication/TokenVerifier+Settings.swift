import BatonConfig
import BatonCore
import BatonIdentity
import Logging

extension TrustedIssuer {
    /// The issuer an `identity.issuers` entry describes.
    init(_ settings: IssuerSettings) {
        let kind: Kind =
            switch settings.kind {
            case .entra: .entra(authority: settings.authority ?? "", multiTenant: settings.multiTenant)
            case .oidc: .openIDConnect(discoveryURL: settings.discoveryURL ?? "")
            }
        self.init(
            name: settings.name, kind: kind, tenants: Set(settings.tenants), versions: Set(settings.versions),
            algorithms: Set(settings.algorithms.compactMap { JWSAlgorithm(rawValue: $0.rawValue) })
        )
    }
}

extension TokenVerifier {
    /// The verifier the `identity:` section describes, or `nil` when it names no issuer.
    init?(_ settings: IdentitySettings, fingerprinter: TokenFingerprinter, logger: Logger) {
        guard !settings.issuers.isEmpty else { return nil }
        self.init(
            issuers: settings.issuers.map(TrustedIssuer.init),
            settings: VerifierSettings(
                clockSkew: settings.clockSkew, maximumTokenSize: settings.maximumTokenSize, keyRefetchInterval: settings.keyRefetchInterval,
                defaultKeyLifetime: settings.keyCacheLifetime, verifiedTokenCacheSize: settings.verifiedTokenCacheSize
            ),
            fingerprinter: fingerprinter,
            logger: logger
        )
    }
}
