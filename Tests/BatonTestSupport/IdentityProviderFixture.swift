import BatonDevKit
import BatonIdentity
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The shipped `dev/tenant.yaml`, and a running dev IdP on a free loopback port.
public enum IdentityProviderFixture {
    public static let tenantFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("dev/tenant.yaml").path

    public static func shippedTenant() throws -> DevTenant {
        try DevTenant.load(file: tenantFile, environment: [:])
    }

    /// Runs `body` against a live IdP serving `tenant` (the shipped one by default), then stops it.
    public static func withRunningProvider<T: Sendable>(
        tenant: DevTenant? = nil,
        _ body: @Sendable (DevIdentityProvider, Client) async throws -> T
    ) async throws -> T {
        let provider = try DevIdentityProvider(tenant: tenant ?? shippedTenant())
        let server = DevIdentityProviderServer(provider: provider, logger: Logger(label: "test-idp"))
        return try await LocalServer.run(logger: Logger(label: "test-idp"), server.makeApplication) { url in
            try await body(provider, Client(base: url, tenant: provider.tenant))
        }
    }

    /// Requests against the running IdP, with the shipped tenant's dev credentials.
    public struct Client: Sendable {
        public let base: String
        public let tenant: DevTenant

        public var tokenURL: String { "\(base)/\(tenant.id)/oauth2/v2.0/token" }

        public func app(_ name: String) -> DevApplication { tenant.application(name)! }

        public func token(_ fields: [String: String], headers: [String: String] = [:]) async throws -> HTTPResult {
            try await httpPostForm(tokenURL, fields, headers: headers)
        }

        /// Jane (or `user`) signs in at the CLI app for the concierge; returns the access token.
        public func signIn(
            _ user: String = "jane@contoso.com", password: String? = nil, scope: String = "api://concierge/access_as_user",
            extra: [String: String] = [:]
        )
            async throws -> String
        {
            let name = String(user.prefix { $0 != "@" })
            let result = try await token(
                [
                    "grant_type": "password", "client_id": app("baton-cli").appID, "username": user,
                    "password": password ?? "\(name)-dev-password", "scope": scope,
                ].merging(extra) { $1 }
            )
            try #require(result.status == 200, "sign-in failed: \(result.body)")
            return result.json["access_token"] as! String
        }

        /// `app` exchanges `assertion` by OBO for `scope`, authenticating with its dev secret.
        public func onBehalfOf(_ app: String, assertion: String, scope: String, extra: [String: String] = [:]) async throws -> HTTPResult {
            try await token(
                [
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "requested_token_use": "on_behalf_of",
                    "client_id": self.app(app).appID, "client_secret": "\(app)-dev-secret", "assertion": assertion, "scope": scope,
                ].merging(extra) { $1 }
            )
        }

        /// `app` asks for an app-only token for `scope` with its dev secret.
        public func clientCredentials(_ app: String, scope: String) async throws -> HTTPResult {
            try await token([
                "grant_type": "client_credentials", "client_id": self.app(app).appID, "client_secret": "\(app)-dev-secret", "scope": scope,
            ])
        }

        /// OBO that must succeed; returns the new access token.
        public func exchange(_ app: String, assertion: String, scope: String) async throws -> String {
            let result = try await onBehalfOf(app, assertion: assertion, scope: scope)
            try #require(result.status == 200, "OBO by \(app) failed: \(result.body)")
            return result.json["access_token"] as! String
        }
    }
}
