import BatonStorage
import Foundation
import GRDB
internal import GRDBSQLite

/// The ledger's records in SQLite (`ledger.sqlite`: `ledger_entries` with `seq`, `record`,
/// `hash`; `ledger_checkpoints`), written with `synchronous = FULL`.
public struct SQLiteLedgerRecords: LedgerRecordStore {
    private let access: SQLiteAccess

    /// The store on a migrated ledger database (``LedgerStore/openEntries(in:busyTimeout:memory:logger:)``),
    /// or on one opened read-only, which reads but refuses appends.
    ///
    /// - Parameter worker: a thread to run every access on (the indexer's, at a lower priority).
    public init(database: any DatabaseWriter, worker: BackgroundThread? = nil) {
        access = SQLiteAccess(database, on: worker)
    }

    // MARK: - Reading

    public func identity() async throws -> LedgerIdentity {
        try await access.read { db in
            LedgerIdentity(
                instance: try String.fetchOne(db, sql: "SELECT instance_id FROM store_identity") ?? "",
                last: try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") ?? 0)
        }
    }

    public func head() async throws -> (sequence: Int64, hash: [UInt8])? {
        try await access.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1").map {
                ($0["seq"] as Int64, Array($0["hash"] as Data))
            }
        }
    }

    public func hash(at sequence: Int64) async throws -> [UInt8]? {
        try await access.read { db in
            try Data.fetchOne(db, sql: "SELECT hash FROM ledger_entries WHERE seq = ?", arguments: [sequence]).map(Array.init)
        }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await access.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, ts_us, hash, key_id, signature, note FROM ledger_checkpoints ORDER BY seq").map(Self.checkpoint)
        }
    }

    public func tile(level: Int, index: Int64) async throws -> [UInt8]? {
        try await access.read { db in
            try Data.fetchOne(
                db, sql: "SELECT hashes FROM ledger_tiles WHERE level = ? AND idx = ?", arguments: [level, index]
            ).map(Array.init)
        }
    }

    public func tiles(at keys: [TileKey]) async throws -> [TileKey: [UInt8]] {
        try await access.read { db in
            let statement = try db.cachedStatement(sql: "SELECT hashes FROM ledger_tiles WHERE level = ? AND idx = ?")
            var found: [TileKey: [UInt8]] = [:]
            for key in Set(keys) {
                if let hashes = try Data.fetchOne(statement, arguments: [key.level, key.index]) { found[key] = Array(hashes) }
            }
            return found
        }
    }

    public func treeSize() async throws -> Int64 {
        try await access.read { db in try Self.treeSize(db) }
    }

    public func extent() async throws -> (last: Int64, treeSize: Int64) {
        try await access.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") ?? 0, try Self.treeSize(db))
        }
    }

    public func latestNotedCheckpoint() async throws -> StoredCheckpoint? {
        try await access.read { db in
            try Row.fetchOne(
                db, sql: "SELECT seq, ts_us, hash, key_id, signature, note FROM ledger_checkpoints WHERE note IS NOT NULL ORDER BY seq DESC LIMIT 1"
            ).map(Self.checkpoint)
        }
    }

    private static func treeSize(_ db: Database) throws -> Int64 {
        guard let row = try Row.fetchOne(db, sql: "SELECT idx, length(hashes) AS bytes FROM ledger_tiles WHERE level = 0 ORDER BY idx DESC LIMIT 1")
        else { return 0 }
        return (row["idx"] as Int64) * Int64(TileID.width) + (row["bytes"] as Int64) / Int64(MerkleHash.size)
    }

    private static func checkpoint(_ row: Row) -> StoredCheckpoint {
        StoredCheckpoint(
            sequence: row["seq"], timestamp: row["ts_us"], hash: Array(row["hash"] as Data), keyID: row["key_id"], signature: row["signature"],
            note: row["note"])
    }

    public func records<T: Sendable>(
        from first: Int64, through last: Int64, limit: Int, _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T
    ) async throws -> T {
        try await access.read { db in
            // Long ranges (verifying) read the file's pages in place rather than copying
            // each through a read() call; mapping costs more than it saves for a short one.
            let mapped = limit >= Self.mappedRange
            if mapped { try db.execute(sql: "PRAGMA mmap_size = \(Self.mappedBytes)") }
            defer { if mapped { try? db.execute(sql: "PRAGMA mmap_size = 0") } }
            let statement = try db.cachedStatement(
                sql: "SELECT seq, record, hash FROM ledger_entries WHERE seq BETWEEN ? AND ? ORDER BY seq LIMIT ?")
            statement.arguments = [first, last, limit]
            let rows = try Row.fetchCursor(statement)
            let handle = statement.sqliteStatement
            var cursor = LedgerRecordCursor { try rows.next() == nil ? nil : Self.view(handle) }
            return try body(&cursor)
        }
    }

    public func records<T: Sendable>(at sequences: [Int64], _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T) async throws -> T {
        try await access.read { db in
            let statement = try db.cachedStatement(sql: "SELECT seq, record, hash FROM ledger_entries WHERE seq = ?")
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            var remaining = sequences[...]
            var cursor = LedgerRecordCursor {
                while let sequence = remaining.popFirst() {
                    sqlite3_reset(handle)
                    sqlite3_bind_int64(handle, 1, sequence)
                    switch sqlite3_step(handle) {
                    case SQLITE_ROW: return Self.view(handle)
                    case SQLITE_DONE: continue
                    case let code: throw db.failure(code)
                    }
                }
                return nil
            }
            return try body(&cursor)
        }
    }

    /// The current row of `SELECT seq, record, hash`.
    private static func view(_ handle: SQLiteStatement) -> StoredRecordView {
        StoredRecordView(
            sequence: sqlite3_column_int64(handle, 0), record: RawSQLite.blob(handle, column: 1), hash: RawSQLite.blob(handle, column: 2))
    }

    /// How much of the file a reading connection may map: all of it, up to the limit
    /// SQLite was built with (2 GiB by default); pages beyond are read as usual.
    private static let mappedBytes: Int64 = 1 << 40
    /// Reads of at least this many records map the file.
    private static let mappedRange = 100_000

    // MARK: - Writing

    /// One writer appends to a file (the data directory's lock): the head read before the
    /// batch is sealed is still the head when it commits — which the write checks, so that
    /// a second writer would fail rather than fork the chain.
    public func append<Result: Sendable>(_ seal: @escaping @Sendable (LedgerAppendHead) async throws -> (SealedBatch, Result)) async throws -> Result
    {
        let head = try await self.head() ?? (0, LedgerWriter.genesis)
        let (batch, result) = try await seal(
            LedgerAppendHead(sequence: head.sequence, hash: head.hash) { try await self.tile(level: $0, index: $1) })
        try await access.write { db in
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") ?? 0
            guard last == head.sequence else {
                throw LedgerError.writeFailed(
                    "another writer appended to the ledger (up to entry \(last)) while a batch was sealed after entry \(head.sequence)")
            }
            try Self.insert(batch.records, into: db)
            try Self.save(batch.tiles, into: db)
        }
        return result
    }

    public func saveTiles(_ tiles: [StoredTile]) async throws {
        try await access.write { db in try Self.save(tiles, into: db) }
    }

    public func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await access.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature, note) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    checkpoint.sequence, checkpoint.timestamp, Data(checkpoint.hash), checkpoint.keyID, checkpoint.signature, checkpoint.note,
                ])
        }
    }

    private static func save(_ tiles: [StoredTile], into db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO ledger_tiles (level, idx, hashes) VALUES (?, ?, ?)")
        for tile in tiles {
            try statement.execute(arguments: [tile.level, tile.index, Data(tile.hashes)])
        }
    }

    /// Inserts sealed records, binding their bytes in place (no copies per row).
    private static func insert(_ sealed: [SealedRecord], into db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO ledger_entries (seq, record, hash) VALUES (?, ?, ?)")
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }
        for row in sealed {
            sqlite3_reset(handle)
            sqlite3_bind_int64(handle, 1, row.sequence)
            try row.record.withUnsafeBytes { record in
                try row.hash.withUnsafeBytes { hash in
                    // SQLITE_STATIC: both buffers outlive the step below.
                    sqlite3_bind_blob(handle, 2, record.baseAddress, Int32(record.count), nil)
                    sqlite3_bind_blob(handle, 3, hash.baseAddress, Int32(hash.count), nil)
                    try db.stepToDone(handle)
                }
            }
        }
    }
}
