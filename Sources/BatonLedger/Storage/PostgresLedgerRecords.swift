import BatonStorage
import Foundation
import Logging
internal import NIOCore
import PostgresNIO

/// The ledger's records in PostgreSQL (`ledger_entries`, `ledger_tiles`,
/// `ledger_checkpoints`, and the sequencer row `ledger_head`), shared by every daemon on
/// the schema: one chain, whichever daemon wrote an entry.
///
/// An append locks `ledger_head` (`SELECT … FOR UPDATE`), lets the writer seal its batch
/// after the head it finds, inserts the records and tiles and moves the head in one
/// statement, and commits (`synchronous_commit = on`: durable when it returns); the lock
/// is held for three round trips and the commit's flush. Daemons' batches therefore chain
/// one after another, never side by side. Each commit notifies the `ledger` channel with
/// the new last sequence number, so indexers on other daemons need not poll.
public struct PostgresLedgerRecords: LedgerRecordStore {
    private let database: PostgresStorage
    private var logger: Logger { database.logger }

    /// The store on a migrated database (``PostgresMigrator``).
    public init(database: PostgresStorage) {
        self.database = database
    }

    /// The channel every append notifies with its last sequence number.
    public var channel: String { database.channel("ledger") }

    // MARK: - Reading

    public func identity() async throws -> LedgerIdentity {
        let rows = try await database.query(
            "SELECT (SELECT instance_id FROM store_identity WHERE store = 'ledger'), (SELECT coalesce(max(seq), 0) FROM ledger_entries)")
        guard let (instance, last) = try await rows.decode((String?, Int64).self).elements().first else {
            return LedgerIdentity(instance: "", last: 0)
        }
        return LedgerIdentity(instance: instance ?? "", last: last)
    }

    public func head() async throws -> (sequence: Int64, hash: [UInt8])? {
        let rows = try await database.query("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1")
        return try await rows.decode((Int64, ByteBuffer).self).elements().first.map { ($0.0, Array(buffer: $0.1)) }
    }

    public func hash(at sequence: Int64) async throws -> [UInt8]? {
        try await database.query("SELECT hash FROM ledger_entries WHERE seq = \(sequence)").decode(ByteBuffer.self).elements().first.map {
            Array(buffer: $0)
        }
    }

    public func checkpoints() async throws -> [StoredCheckpoint] {
        try await Self.checkpoints(database.query("SELECT seq, ts_us, hash, key_id, signature, note FROM ledger_checkpoints ORDER BY seq"))
    }

    public func tile(level: Int, index: Int64) async throws -> [UInt8]? {
        try await database.query("SELECT hashes FROM ledger_tiles WHERE level = \(Int32(level)) AND idx = \(index)").decode(ByteBuffer.self)
            .elements().first.map { Array(buffer: $0) }
    }

    public func tiles(at keys: [TileKey]) async throws -> [TileKey: [UInt8]] {
        let unique = Array(Set(keys))
        guard !unique.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT t.level, t.idx, t.hashes FROM ledger_tiles t
            JOIN unnest(\(unique.map { Int32($0.level) })::int4[], \(unique.map(\.index))::int8[]) AS k(level, idx)
            ON t.level = k.level AND t.idx = k.idx
            """)
        var found: [TileKey: [UInt8]] = [:]
        for try await (level, index, hashes) in rows.decode((Int32, Int64, ByteBuffer).self) {
            found[TileKey(level: Int(level), index: index)] = Array(buffer: hashes)
        }
        return found
    }

    public func treeSize() async throws -> Int64 {
        try await extent().treeSize
    }

    public func extent() async throws -> (last: Int64, treeSize: Int64) {
        // One statement, one snapshot.
        let rows = try await database.query(
            """
            SELECT (SELECT coalesce(max(seq), 0) FROM ledger_entries),
                   coalesce((SELECT idx * \(Int64(TileID.width)) + length(hashes) / \(Int64(MerkleHash.size))
                             FROM ledger_tiles WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)
            """)
        return try await rows.decode((Int64, Int64).self).elements().first ?? (0, 0)
    }

    public func latestNotedCheckpoint() async throws -> StoredCheckpoint? {
        try await Self.checkpoints(
            database.query(
                "SELECT seq, ts_us, hash, key_id, signature, note FROM ledger_checkpoints WHERE note IS NOT NULL ORDER BY seq DESC LIMIT 1")
        ).first
    }

    public func records<T: Sendable>(
        from first: Int64, through last: Int64, limit: Int, _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T
    ) async throws -> T {
        let rows = try await database.query(
            "SELECT seq, record, hash FROM ledger_entries WHERE seq BETWEEN \(first) AND \(last) ORDER BY seq LIMIT \(Int64(limit))")
        return try await RecordPage(rows).run(body)
    }

    public func records<T: Sendable>(at sequences: [Int64], _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T) async throws -> T {
        let rows = try await database.query("SELECT seq, record, hash FROM ledger_entries WHERE seq = ANY(\(sequences)::int8[])")
        return try await RecordPage(rows, order: sequences).run(body)
    }

    private static func checkpoints(_ rows: PostgresRowSequence) async throws -> [StoredCheckpoint] {
        var checkpoints: [StoredCheckpoint] = []
        for try await (sequence, timestamp, hash, keyID, signature, note) in rows.decode((Int64, Int64, ByteBuffer, String, ByteBuffer, String?).self)
        {
            checkpoints.append(
                StoredCheckpoint(
                    sequence: sequence, timestamp: timestamp, hash: Array(buffer: hash), keyID: keyID, signature: Data(buffer: signature), note: note)
            )
        }
        return checkpoints
    }

    // MARK: - Writing

    public func append<Result: Sendable>(_ seal: @escaping @Sendable (LedgerAppendHead) async throws -> (SealedBatch, Result)) async throws -> Result
    {
        let logger = logger
        let channel = channel
        return try await database.transaction { connection in
            var head: (Int64, ByteBuffer)?
            for try await row in try await connection.rows("SELECT seq, hash FROM ledger_head FOR UPDATE", logger: logger).decode(
                (Int64, ByteBuffer).self)
            {
                head = row
            }
            guard let head else { throw LedgerError.writeFailed("the ledger's sequencer row (ledger_head) is missing") }
            let (batch, result) = try await seal(
                LedgerAppendHead(sequence: head.0, hash: Array(buffer: head.1)) { level, index in
                    try await connection.rows("SELECT hashes FROM ledger_tiles WHERE level = \(Int32(level)) AND idx = \(index)", logger: logger)
                        .decode(ByteBuffer.self).elements().first.map { Array(buffer: $0) }
                })
            guard let last = batch.records.last else { return result }
            // One statement, one round trip, while the head is locked: the records, the
            // tiles, the head moved, and the notification (delivered at commit).
            try await connection.rows(
                """
                WITH records AS (
                    INSERT INTO ledger_entries (seq, record, hash)
                    SELECT * FROM unnest(\(PostgresArray.int8(batch.records.map(\.sequence)))::int8[],
                                         \(PostgresArray.bytea(batch.records.map(\.record)))::bytea[],
                                         \(PostgresArray.bytea(batch.records.map(\.hash)))::bytea[])),
                tiles AS (
                    INSERT INTO ledger_tiles (level, idx, hashes)
                    SELECT * FROM unnest(\(PostgresArray.int4(batch.tiles.map { Int32($0.level) }))::int4[],
                                         \(PostgresArray.int8(batch.tiles.map(\.index)))::int8[],
                                         \(PostgresArray.bytea(batch.tiles.map(\.hashes)))::bytea[])
                    ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes),
                head AS (UPDATE ledger_head SET seq = \(last.sequence), hash = \(ByteBuffer(bytes: last.hash)))
                SELECT pg_notify(\(channel), \(String(last.sequence)))
                """, logger: logger
            ).drain()
            return result
        }
    }

    public func saveTiles(_ tiles: [StoredTile]) async throws {
        let logger = logger
        try await database.transaction { connection in try await Self.save(tiles, on: connection, logger: logger) }
    }

    public func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        try await database.query(
            """
            INSERT INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature, note)
            VALUES (\(checkpoint.sequence), \(checkpoint.timestamp), \(ByteBuffer(bytes: checkpoint.hash)), \(checkpoint.keyID),
                    \(ByteBuffer(data: checkpoint.signature)), \(checkpoint.note))
            ON CONFLICT (seq) DO UPDATE SET ts_us = excluded.ts_us, hash = excluded.hash, key_id = excluded.key_id,
                signature = excluded.signature, note = excluded.note
            """
        ).drain()
    }

    private static func save(_ tiles: [StoredTile], on connection: PostgresConnection, logger: Logger) async throws {
        guard !tiles.isEmpty else { return }
        try await connection.rows(
            """
            INSERT INTO ledger_tiles (level, idx, hashes)
            SELECT * FROM unnest(\(PostgresArray.int4(tiles.map { Int32($0.level) }))::int4[], \(PostgresArray.int8(tiles.map(\.index)))::int8[],
                                 \(PostgresArray.bytea(tiles.map(\.hashes)))::bytea[])
            ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes
            """, logger: logger
        ).drain()
    }
}

/// Records read from PostgreSQL, copied into one buffer so a cursor can lend out their bytes.
private final class RecordPage: @unchecked Sendable {  // immutable after init
    private let bytes: UnsafeMutableRawBufferPointer
    private let rows: [(sequence: Int64, record: Range<Int>, hash: Range<Int>)]

    /// The rows of `SELECT seq, record, hash`, in the order read, or in the order of `order`
    /// (a sequence number with no row skipped).
    init(_ sequence: PostgresRowSequence, order: [Int64]? = nil) async throws {
        var read: [(Int64, ByteBuffer, ByteBuffer)] = []
        for try await row in sequence.decode((Int64, ByteBuffer, ByteBuffer).self) { read.append(row) }
        if let order {
            let bySequence = Dictionary(read.map { ($0.0, $0) }, uniquingKeysWith: { first, _ in first })
            read = order.compactMap { bySequence[$0] }
        }
        let bytes = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, read.reduce(0) { $0 + $1.1.readableBytes + $1.2.readableBytes }), alignment: 1)
        var offset = 0
        var rows: [(Int64, Range<Int>, Range<Int>)] = []
        rows.reserveCapacity(read.count)
        for (sequence, record, hash) in read {
            let recordRange = offset..<(offset + record.readableBytes)
            record.withUnsafeReadableBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[recordRange]).copyMemory(from: $0) }
            offset = recordRange.upperBound
            let hashRange = offset..<(offset + hash.readableBytes)
            hash.withUnsafeReadableBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[hashRange]).copyMemory(from: $0) }
            offset = hashRange.upperBound
            rows.append((sequence, recordRange, hashRange))
        }
        self.bytes = bytes
        self.rows = rows
    }

    deinit { bytes.deallocate() }

    func run<T>(_ body: (inout LedgerRecordCursor) throws -> T) throws -> T {
        var index = 0
        let base = UnsafeRawBufferPointer(bytes)
        var cursor = LedgerRecordCursor { [rows] in
            guard index < rows.count else { return nil }
            defer { index += 1 }
            let row = rows[index]
            return StoredRecordView(
                sequence: row.sequence, record: UnsafeRawBufferPointer(rebasing: base[row.record]),
                hash: UnsafeRawBufferPointer(rebasing: base[row.hash]))
        }
        return try withExtendedLifetime(self) { try body(&cursor) }
    }
}
