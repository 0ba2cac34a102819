/// Where the ledger's query index is kept: the storage seam under ``LedgerIndexer``
/// (writing) and queries (reading). SQLite embedded (``SQLiteLedgerIndex``); PostgreSQL
/// for several daemons.
///
/// The index is derived from the records and names the ledger it describes and how far
/// (its watermark); a store keeps rows and that state, and the indexer and queries decide
/// what they mean.
public protocol LedgerIndexSource: Sendable {
    /// Which ledger the index describes, how far, and which days; `nil` when it describes
    /// nothing yet.
    func state() async throws -> LedgerIndexState?
    /// Sequence numbers of the entries `probe` matches in `(after, through]`, ascending, at
    /// most `limit` of them.
    func candidates(_ probe: IndexProbe, after: Int64, through: Int64, limit: Int) async throws -> [Int64]
    /// The object ids (lowercased) seen with this lowercased username.
    func objectIDs(named name: String) async throws -> Set<String>
    /// The lowest sequence number among `rows` whose row the index lacks.
    func firstMissing(_ rows: [IndexRow]) async throws -> Int64?
}

/// The writing side of the index.
public protocol LedgerIndexStore: LedgerIndexSource {
    /// Drops every row and starts describing `ledger` from nothing (watermark 0).
    func reset(describing ledger: String) async throws
    /// Forgets which ledger the index describes, so the next indexer rebuilds it.
    func forget() async throws
    /// Adds `rows` and moves the watermark from `from` to `last` in one transaction, unless
    /// the watermark is no longer `from` (another indexer moved it first); returns the
    /// watermark after.
    func add(_ rows: IndexRows, after from: Int64, through last: Int64) async throws -> Int64
}

/// Which ledger an index describes (its store instance), through which entry, and the
/// days its entries fall on.
public struct LedgerIndexState: Sendable, Equatable {
    public let ledgerInstance: String
    public let indexedThrough: Int64
    /// The first and last day (UTC, since 1970) any entry is indexed under; `nil` when none is.
    public let days: ClosedRange<Int64>?

    public init(ledgerInstance: String, indexedThrough: Int64, days: ClosedRange<Int64>?) {
        self.ledgerInstance = ledgerInstance
        self.indexedThrough = indexedThrough
        self.days = days
    }
}

/// What a query looks up in the index: one dimension's keys, within days and a time range.
public struct IndexProbe: Sendable, Equatable {
    public let dimension: IndexDimension
    public let keys: [Int64]
    public let days: ClosedRange<Int64>
    /// Microseconds since 1970, inclusive.
    public let since: Int64
    /// Microseconds since 1970, exclusive.
    public let until: Int64
}
