import BatonCore

/// The Microsoft identity platform's URL formats, written once: every component that
/// needs a tenant's token endpoint or discovery document asks here.
public enum EntraEndpoints {
    /// `{authority}/{tenant}/oauth2/v2.0/token`: the v2 token endpoint (OBO, client credentials).
    public static func tokenEndpoint(authority: String, tenant: String) -> String {
        "\(URLText.trimmingTrailingSlash(authority))/\(tenant)/oauth2/v2.0/token"
    }
}
