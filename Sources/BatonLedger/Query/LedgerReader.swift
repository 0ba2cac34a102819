/// What queries read: the ledger's records, and its query index when there is one.
///
/// Without an index (or with one that lags or describes another ledger) queries are still
/// exact: they read the entries the index does not cover directly — slower, never wrong.
public struct LedgerReader: Sendable {
    public let records: any LedgerRecordSource
    public let index: (any LedgerIndexSource)?

    public init(records: any LedgerRecordSource, index: (any LedgerIndexSource)?) {
        self.records = records
        self.index = index
    }
}
