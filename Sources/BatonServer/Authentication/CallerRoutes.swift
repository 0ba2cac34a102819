import BatonCore
import Foundation
import Hummingbird

/// `GET /v1/me`: who the bearer token says the caller is, as Baton sees it.
struct CallerRoutes {
    /// The caller as JSON; `fingerprint` correlates with audit entries, the token itself is never returned.
    struct Caller: Codable, Equatable {
        var tenantID: String
        var objectID: String
        var username: String?
        var name: String?
        var scopes: [String]
        var roles: [String]
        var tokenVersion: Int?
        var clientID: String?
        var appOnly: Bool
        var issuer: String
        var fingerprint: String

        enum CodingKeys: String, CodingKey {
            case tenantID = "tenant_id", objectID = "object_id", username, name, scopes, roles, tokenVersion = "token_version"
            case clientID = "client_id", appOnly = "app_only", issuer, fingerprint
        }
    }

    func register(on group: RouterGroup<BatonRequestContext>) {
        group.get("me") { _, context -> Response in
            guard let caller = context.caller else { throw HTTPError(.unauthorized) }
            let principal = caller.principal
            return HealthRoutes.json(
                .ok,
                Caller(
                    tenantID: principal.tenantID, objectID: principal.objectID, username: principal.username, name: principal.name,
                    scopes: principal.scopes, roles: principal.roles, tokenVersion: principal.tokenVersion, clientID: principal.clientID,
                    appOnly: principal.isAppOnly, issuer: caller.issuer, fingerprint: principal.fingerprint.hex
                )
            )
        }
    }
}
