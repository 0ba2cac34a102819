/// A `scope` parameter split into OIDC scopes and the scopes of one resource.
struct RequestedScopes: Sendable {
    static let oidcScopes: Set<String> = ["openid", "profile", "email", "offline_access"]

    var oidc: Set<String> = []
    /// The resource app, when any resource scope was asked for.
    var resource: DevApplication?
    /// The resource identifier exactly as the client wrote it: the `aud` of a v1 token.
    var resourceIdentifier = ""
    /// Scope names on the resource, or `[".default"]`.
    var names: [String] = []

    var wantsRefreshToken: Bool { oidc.contains("offline_access") }
    var wantsIDToken: Bool { oidc.contains("openid") }
}

extension DevIdentityProvider {
    /// Parses `scope` (§2.1): resource scopes must exist (70011) and name one resource (700022).
    func parseScopes(_ text: String) throws(EntraError) -> RequestedScopes {
        var scopes = RequestedScopes()
        for item in text.split(separator: " ").map(String.init) {
            if RequestedScopes.oidcScopes.contains(item) {
                scopes.oidc.insert(item)
                continue
            }
            guard let slash = item.lastIndex(of: "/"), slash != item.startIndex else { throw .invalidScope(item) }
            let identifier = String(item[..<slash])
            let name = String(item[item.index(after: slash)...])
            guard let resource = tenant.applications.first(where: { $0.identifies(identifier) }) else {
                throw .resourceNotFound(identifier, tenant: tenant.id)
            }
            if let existing = scopes.resource, existing.appID != resource.appID { throw .multipleResources(text) }
            guard name == ".default" || resource.scopes.contains(name) else { throw .invalidScope(item) }
            scopes.resource = resource
            scopes.resourceIdentifier = identifier
            scopes.names.append(name)
        }
        return scopes
    }

    /// The delegated scopes `client` may obtain on `resource`, refusing unrequested (650057) and unconsented (65001) ones.
    func grantedScopes(_ names: [String], client: DevApplication, resource: DevApplication) throws(EntraError) -> [String] {
        let permission = client.permissions.first { $0.resource == resource.name }
        let preAuthorized = resource.preAuthorized.filter { $0.client == client.name }.flatMap(\.scopes)
        guard permission != nil || !preAuthorized.isEmpty else { throw .resourceNotRequested(client: client, resource: resource) }
        let consented = Set((permission?.consented == true ? permission?.scopes ?? [] : []) + preAuthorized)
        if names.contains(".default") {
            guard !consented.isEmpty else { throw .consentRequired(client: client) }
            return resource.scopes.filter(consented.contains)
        }
        guard names.allSatisfy(consented.contains) else { throw .consentRequired(client: client) }
        return names
    }
}
