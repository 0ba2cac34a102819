import BatonCore
import Foundation

/// Work that goes on after the user's token has expired: the exchange's refresh token is
/// kept sealed in the vault, and redeemed for new tokens until the session's deadline.
///
/// Identified by who (tenant + object id), which agent (client), for what (audience and
/// scopes) — not by the user's token, which is gone by the time the session is used.
public struct LongRunningSession: Sendable, Hashable {
    public var issuer: String
    public var tenantID: String
    public var objectID: String
    public var clientID: String
    public var audience: String
    public var scopes: ScopeSet

    public init(issuer: String, tenantID: String, objectID: String, clientID: String, audience: String, scopes: ScopeSet) {
        self.issuer = issuer
        self.tenantID = tenantID.lowercased()
        self.objectID = objectID.lowercased()
        self.clientID = clientID.lowercased()
        self.audience = audience
        self.scopes = scopes
    }

    private var fields: [String] { [issuer, tenantID, objectID, clientID, audience, scopes.canonical] }

    /// Where the session's current access token is cached.
    public var accessKey: VaultKey { VaultKey(domain: "long-running-access", fields: fields) }
    /// Where the session's refresh token is kept.
    public var refreshKey: VaultKey { VaultKey(domain: "long-running-refresh", fields: fields) }
}

/// Long-running sessions need a vault that keeps refresh tokens.
public protocol RefreshTokenStore: TokenCache {
    /// Stores a refresh token usable until `deadline`.
    func storeRefreshToken(_ token: Secret, for key: VaultKey, context: VaultEntryContext, deadline: Date) async throws
    /// The refresh token under `key` and its deadline, if the deadline has not passed.
    func refreshToken(for key: VaultKey) async throws -> (token: Secret, deadline: Date)?
}
