import BatonCore
import BatonLedger

/// Who is looking at the console, and so what they may see: auditors (the app role
/// `Baton.Auditor`) every chain, anyone else only the chains they are the user of. Every
/// page and fragment asks the ledger through ``scoped(_:)``, so the rule is enforced where
/// the data is read, never by hiding links.
struct ConsoleViewer: Sendable, Equatable {
    var tenantID: String
    var objectID: String
    var username: String?
    var name: String?
    var isAuditor: Bool

    init(tenantID: String, objectID: String, username: String?, name: String?, isAuditor: Bool) {
        self.tenantID = tenantID
        self.objectID = objectID
        self.username = username
        self.name = name
        self.isAuditor = isAuditor
    }

    /// The viewer a verified sign-in names.
    init(_ principal: Principal) {
        self.init(
            tenantID: principal.tenantID, objectID: principal.objectID, username: principal.username, name: principal.name,
            isAuditor: principal.roles.contains(AuditRoutes.auditorRole))
    }

    /// What the header shows.
    var displayName: String { name ?? username ?? objectID }

    /// The user the viewer is, as the ledger names chain users.
    var chainUser: ChainUser { ChainUser(tenantID: tenantID, objectID: objectID, username: username) }

    /// `query` limited to what the viewer may see.
    func scoped(_ query: LedgerQuery) -> LedgerQuery {
        var query = query
        if !isAuditor { query.chainsOf = chainUser }
        return query
    }

    /// Whether an entry belongs to a chain the viewer may see.
    func maySee(_ entry: LedgerEntry) -> Bool {
        isAuditor || (entry.user?.objectID.lowercased() == objectID.lowercased() && entry.user?.tenantID.lowercased() == tenantID.lowercased())
    }

    /// Whether `user` (a username or object id, as in a URL) names the viewer.
    func isNamed(_ user: String) -> Bool {
        user.lowercased() == objectID.lowercased() || user.lowercased() == username?.lowercased()
    }
}
