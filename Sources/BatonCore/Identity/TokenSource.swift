/// Where a token handed out by the broker came from; recorded in the ledger.
public enum TokenSource: String, Sendable, Codable {
    /// The vault's in-memory tier.
    case hot
    /// The vault's sealed SQLite store.
    case store
    /// A fresh exchange at the identity provider.
    case identityProvider = "idp"
}
