import BatonCore

/// The Microsoft identity platform's URL formats, written once: every component that
/// needs a tenant's token endpoint or discovery document asks here.
public enum EntraEndpoints {
    /// `{authority}/{tenant}/oauth2/v2.0/token`: the v2 token endpoint (OBO, client credentials).
    public static func tokenEndpoint(authority: String, tenant: String) -> String {
        "\(URLText.trimmingTrailingSlash(authority))/\(tenant)/oauth2/v2.0/token"
    }

    /// A tenant's OpenID Connect discovery document: `{authority}/{tenant}/v2.0/.well-known/openid-configuration`
    /// for v2 tokens, `{authority}/{tenant}/.well-known/openid-configuration` for v1.
    public static func discoveryDocument(authority: String, tenant: String, version: Int = 2) -> String {
        let base = URLText.trimmingTrailingSlash(authority)
        return version == 2 ? "\(base)/\(tenant)/v2.0/.well-known/openid-configuration" : "\(base)/\(tenant)/.well-known/openid-configuration"
    }
}
