/// The user a chain acts for, by the identity that links hops: tenant id + object id.
///
/// Entra's `sub` is pairwise per application, so it never links hops; `tid` + `oid` do.
/// ``isSameUser(as:)`` is the one same-user check: the gateway, every receiving agent,
/// the ledger's "my chains" and the chain API all ask it.
public struct ChainUser: Sendable, Codable, Equatable, Hashable {
    public var tenantID: String
    public var objectID: String
    /// For people reading the ledger; never used to decide who someone is.
    public var username: String?

    public init(tenantID: String, objectID: String, username: String?) {
        self.tenantID = tenantID
        self.objectID = objectID
        self.username = username
    }

    /// Whether `other` is the same user: same tenant and object id, compared without case
    /// (GUIDs arrive in either).
    public func isSameUser(as other: ChainUser) -> Bool {
        Self.sameGUID(tenantID, other.tenantID) && Self.sameGUID(objectID, other.objectID)
    }

    private static func sameGUID(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}
