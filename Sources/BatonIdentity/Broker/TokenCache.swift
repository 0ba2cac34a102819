import BatonCore
import Foundation

/// Where exchanged tokens are kept between exchanges: Baton's vault, or anything with the
/// same contract. The broker treats it as a cache: a failure to read is a miss, a failure
/// to write is logged, and neither stops a request.
public protocol TokenCache: Sendable {
    /// The token stored under `key`, if any and unexpired, with the tier that had it.
    func cachedToken(for key: VaultKey) async throws -> CachedToken?
    /// Stores `token` under `key` with what the vault indexes it by.
    func store(_ token: ExchangedToken, for key: VaultKey, context: VaultEntryContext) async throws
    /// Forgets `key` in every tier.
    func remove(_ key: VaultKey) async throws
    /// Runs `exchange` (which stores its token) unless another daemon sharing this cache is
    /// exchanging for `key` already: then waits for the token that daemon stores — one that
    /// expires after `freshAfter` — and returns it, so N daemons asking at once cause one
    /// exchange. A cache one daemon uses alone just runs `exchange`.
    func exchangeOnce(for key: VaultKey, freshAfter: Date, _ exchange: @escaping @Sendable () async throws -> ExchangedToken) async throws
        -> SharedExchange
}

extension TokenCache {
    public func exchangeOnce(for key: VaultKey, freshAfter: Date, _ exchange: @escaping @Sendable () async throws -> ExchangedToken) async throws
        -> SharedExchange
    {
        .exchanged(try await exchange())
    }
}

/// How an exchange coordinated through a shared cache went.
public enum SharedExchange: Sendable {
    /// This daemon exchanged at the identity provider.
    case exchanged(ExchangedToken)
    /// Another daemon exchanged for the same key meanwhile; this is the token it stored.
    case storedByAnother(CachedToken)
}

/// What an entry is about, for `baton vault list` and purging by user or agent. Never the token.
public struct VaultEntryContext: Sendable, Equatable {
    public var tenantID: String
    public var objectID: String
    public var username: String?
    /// The agent that exchanged (and holds) the token.
    public var agent: String
    public var audience: String
    public var scopes: ScopeSet

    public init(tenantID: String, objectID: String, username: String?, agent: String, audience: String, scopes: ScopeSet) {
        self.tenantID = tenantID
        self.objectID = objectID
        self.username = username
        self.agent = agent
        self.audience = audience
        self.scopes = scopes
    }
}

/// A cached token and the tier that served it.
public struct CachedToken: Sendable, Equatable {
    public var accessToken: Secret
    public var expiresAt: Date
    public var source: TokenSource

    public init(accessToken: Secret, expiresAt: Date, source: TokenSource) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
        self.source = source
    }
}
