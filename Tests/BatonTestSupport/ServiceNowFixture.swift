import BatonConnectors
import BatonDevKit
import Foundation
import Logging
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The dev IdP and the ServiceNow emulator running side by side on free loopback ports,
/// the emulator configured like a correctly set-up instance: the IdP's v2 metadata URL and
/// the `servicenow` app as the client id.
public struct ServiceNowFixture: Sendable {
    public let provider: DevIdentityProvider
    public let idp: IdentityProviderFixture.Client
    public let emulator: ServiceNowEmulator
    public let url: String

    /// Runs `body` with both servers up; `path` keeps the emulator's data in a file.
    public static func withRunning<T: Sendable>(path: String? = nil, _ body: @Sendable (ServiceNowFixture) async throws -> T) async throws -> T {
        try await IdentityProviderFixture.withRunningProvider { provider, idp in
            let settings = ServiceNowOIDCSettings(metadataURL: await provider.discoveryURL, clientID: idp.app("servicenow").appID)
            let emulator = try ServiceNowEmulator(path: path, oidc: settings, logger: Logger(label: "test-servicenow"))
            let server = ServiceNowEmulatorServer(emulator: emulator, logger: Logger(label: "test-servicenow"))
            return try await LocalServer.run(logger: Logger(label: "test-servicenow"), { try server.makeApplication(onRunning: $0) }) { url in
                try await body(ServiceNowFixture(provider: provider, idp: idp, emulator: emulator, url: url))
            }
        }
    }

    /// A token for ServiceNow as `user`, obtained the way the agent mesh does: sign in at the
    /// concierge, then OBO concierge → triage → itsm → servicenow.
    public func token(for user: String = "jane@contoso.com") async throws -> String {
        var token = try await idp.signIn(user)
        for (app, scope) in [
            ("concierge", "api://triage/access_as_user"), ("triage", "api://itsm/access_as_user"), ("itsm", "api://servicenow/user_impersonation"),
        ] {
            token = try await idp.exchange(app, assertion: token, scope: scope)
        }
        return token
    }

    /// A `baton.yaml` for a daemon with the shipped mesh that trusts this fixture's IdP,
    /// with `storage` (an indented YAML mapping body) as its `storage:` section.
    public func daemonConfiguration(storage: String) -> String {
        let concierge = idp.app("concierge")
        return """
            storage:
            \(storage)
            agents:
              dir: \(RepositoryPaths.path("agents"))
            connectors:
              dir: \(RepositoryPaths.path("connectors"))
            identity:
              audiences: [\(concierge.appID), api://concierge]
              issuers:
                - name: dev
                  type: entra
                  authority: \(idp.base)
                  tenants: [\(idp.tenant.id)]
            """
    }

    /// A Table API request with `token` as the bearer.
    public func request(_ path: String, method: String = "GET", token: String?, body: [String: Any]? = nil) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: url + path)!, timeoutInterval: 10)
        request.httpMethod = method
        request.httpShouldHandleCookies = false
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        return try await httpRequest(request)
    }
}

extension HTTPResult {
    /// `result` of a Table API list response.
    public var records: [[String: Any]] {
        json["result"] as? [[String: Any]] ?? []
    }

    /// `result` of a Table API single-record response.
    public var record: [String: Any] {
        json["result"] as? [String: Any] ?? [:]
    }
}
