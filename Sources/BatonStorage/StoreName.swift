/// The stores Baton keeps, one database each.
public enum StoreName: String, CaseIterable, Sendable {
    case vault
    case ledger
    /// Query indexes over the ledger, derived from it and rebuilt from it when lost.
    case ledgerIndex = "ledger_index"
    /// A2A tasks: their state, history and artifacts, per user.
    case tasks

    /// Whether every commit must survive power loss (`synchronous = FULL`: an fsync per
    /// commit). The others survive a crash of the daemon but may lose their last commits to
    /// a power cut (`NORMAL` in WAL mode): the derived index is derived again from the
    /// ledger, and an A2A task's record of a chain is in the ledger too.
    public var isDurable: Bool {
        self == .vault || self == .ledger
    }
}
