import GRDB

/// What queries read: the ledger's entries, and its query index when there is one.
///
/// Without an index (or with one that lags or describes another ledger) queries are still
/// exact: they read the entries the index does not cover directly — slower, never wrong.
public struct LedgerReader: Sendable {
    public let entries: any DatabaseReader
    public let index: (any DatabaseReader)?

    public init(entries: any DatabaseReader, index: (any DatabaseReader)?) {
        self.entries = entries
        self.index = index
    }
}
