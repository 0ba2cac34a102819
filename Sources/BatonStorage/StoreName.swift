/// The stores Baton keeps, one database each.
public enum StoreName: String, CaseIterable, Sendable {
    case vault
    case ledger
    /// Query indexes over the ledger, derived from it and rebuilt from it when lost.
    case ledgerIndex = "ledger_index"
    /// A2A tasks: their state, history and artifacts, per user.
    case tasks

    /// Whether every commit must survive power loss. A derived store only has to stay
    /// consistent: what a power cut takes from it is derived again from its source.
    public var isDurable: Bool {
        self != .ledgerIndex
    }
}
