/// The user (or, for app-only tokens, the application) a verified token speaks for.
///
/// `tid` + `oid` is the identity that links every hop of a chain: Entra's `sub` is
/// pairwise per application and `preferred_username` is mutable, so neither may be used
/// to decide that two tokens belong to the same person.
public struct Principal: Sendable, Hashable, Codable {
    /// The tenant GUID.
    public var tenantID: String
    /// The object id: immutable, the same in every app of the tenant.
    public var objectID: String
    /// `preferred_username` (v2) or `upn` (v1); for display and audit, never for identity.
    public var username: String?
    public var name: String?
    /// Delegated scopes (`scp`); empty for app-only tokens.
    public var scopes: [String]
    /// App roles (`roles`).
    public var roles: [String]
    /// `1` or `2` for Entra tokens; `nil` for other issuers.
    public var tokenVersion: Int?
    /// The application that obtained the token (`azp` or `appid`).
    public var clientID: String?
    /// Whether the token is app-only (no user).
    public var isAppOnly: Bool
    /// An HMAC of the token, to correlate without storing it.
    public var fingerprint: TokenFingerprint

    public init(
        tenantID: String, objectID: String, username: String?, name: String?, scopes: [String], roles: [String], tokenVersion: Int?,
        clientID: String?,
        isAppOnly: Bool, fingerprint: TokenFingerprint
    ) {
        self.tenantID = tenantID
        self.objectID = objectID
        self.username = username
        self.name = name
        self.scopes = scopes
        self.roles = roles
        self.tokenVersion = tokenVersion
        self.clientID = clientID
        self.isAppOnly = isAppOnly
        self.fingerprint = fingerprint
    }

    /// The chain user this principal is: the identity that links hops.
    public var chainUser: ChainUser {
        ChainUser(tenantID: tenantID, objectID: objectID, username: username)
    }

    /// Whether `other` is the same user or app: same tenant and object id.
    public func isSameIdentity(as other: Principal) -> Bool {
        chainUser.isSameUser(as: other.chainUser)
    }
}
