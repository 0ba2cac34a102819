/// The stores Baton keeps, one database each.
public enum StoreName: String, CaseIterable, Sendable {
    case vault
    case ledger
}
