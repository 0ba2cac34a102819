/// How much memory SQLite may keep per store: the page cache of each connection and how
/// many reader connections a store opens. Every cache in the daemon is bounded; these are
/// SQLite's bounds (`storage.sqlite.cache_kib`, `index_cache_kib`, `max_readers`).
public struct SQLiteMemory: Sendable, Equatable {
    /// Page cache per connection of the vault and the ledger, in KiB. Default 2048 (SQLite's
    /// own default): appends touch only the right edge of one narrow B-tree.
    public var cacheKiB: Int
    /// Page cache per connection of the ledger's query index, in KiB. Default 8192: the
    /// indexer's sorted batches touch only today's part of each index.
    public var indexCacheKiB: Int
    /// Reader connections per store at most. Default 4.
    public var maximumReaders: Int

    public init(cacheKiB: Int = 2_048, indexCacheKiB: Int = 8_192, maximumReaders: Int = 4) {
        self.cacheKiB = cacheKiB
        self.indexCacheKiB = indexCacheKiB
        self.maximumReaders = maximumReaders
    }

    /// The page cache of each connection to `store`, in KiB.
    public func cacheKiB(for store: StoreName) -> Int {
        store == .ledgerIndex ? indexCacheKiB : cacheKiB
    }
}
