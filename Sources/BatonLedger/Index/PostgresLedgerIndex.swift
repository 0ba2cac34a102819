import BatonStorage
import PostgresNIO

/// The query index in PostgreSQL (`ledger_index`, `ledger_user_names`,
/// `ledger_index_state`), shared by every daemon on the schema. One indexer writes at a
/// time: ``add(_:after:through:)`` moves the watermark only from where it expects it (the
/// state row is locked for the transaction), so a second indexer's batch is refused, not doubled.
public struct PostgresLedgerIndex: LedgerIndexStore {
    private let database: PostgresStorage

    /// The index on a migrated database (``PostgresMigrator``).
    public init(database: PostgresStorage) {
        self.database = database
    }

    // MARK: - Reading

    public func state() async throws -> LedgerIndexState? {
        let rows = try await database.query(
            """
            SELECT s.ledger_instance, s.indexed_through,
                   (SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day LIMIT 1),
                   (SELECT day FROM ledger_index WHERE dimension = 0 ORDER BY day DESC LIMIT 1)
            FROM ledger_index_state s
            """)
        guard let (instance, through, first, last) = try await rows.decode((String, Int64, Int32?, Int32?).self).elements().first else { return nil }
        let days = first.flatMap { first in last.flatMap { first <= $0 ? Int64(first)...Int64($0) : nil } }
        return LedgerIndexState(ledgerInstance: instance, indexedThrough: through, days: days)
    }

    public func candidates(_ probe: IndexProbe, after: Int64, through: Int64, limit: Int) async throws -> [Int64] {
        let days = probe.days.map { Int32(clamping: $0) }
        let rows = try await database.query(
            """
            SELECT seq FROM ledger_index
            WHERE dimension = \(Int16(probe.dimension.rawValue)) AND day = ANY(\(days)::int4[]) AND key = ANY(\(probe.keys)::int8[])
              AND ts_us >= \(probe.since) AND ts_us < \(probe.until) AND seq > \(after) AND seq <= \(through)
            ORDER BY seq LIMIT \(Int64(limit))
            """)
        return try await rows.decode(Int64.self).elements()
    }

    public func objectIDs(named name: String) async throws -> Set<String> {
        Set(try await database.query("SELECT oid FROM ledger_user_names WHERE name = \(name)").decode(String.self).elements())
    }

    public func firstMissing(_ rows: [IndexRow]) async throws -> Int64? {
        guard !rows.isEmpty else { return nil }
        let columns = Columns(rows)
        let found = try await database.query(
            """
            SELECT min(k.seq) FROM unnest(\(columns.dimensions)::int2[], \(columns.days)::int4[], \(columns.keys)::int8[],
                                          \(columns.timestamps)::int8[], \(columns.sequences)::int8[]) AS k(dimension, day, key, ts_us, seq)
            WHERE NOT EXISTS (SELECT 1 FROM ledger_index i WHERE i.dimension = k.dimension AND i.day = k.day AND i.key = k.key
                              AND i.ts_us = k.ts_us AND i.seq = k.seq)
            """
        ).decode(Int64?.self).elements()
        return found.first ?? nil
    }

    // MARK: - Writing

    public func reset(describing ledger: String) async throws {
        try await database.transaction { connection in
            let logger = database.logger
            try await connection.rows("TRUNCATE ledger_index, ledger_user_names", logger: logger).drain()
            try await connection.rows(
                """
                INSERT INTO ledger_index_state (singleton, ledger_instance, indexed_through) VALUES (true, \(ledger), 0)
                ON CONFLICT (singleton) DO UPDATE SET ledger_instance = excluded.ledger_instance, indexed_through = 0
                """, logger: logger
            ).drain()
        }
    }

    public func forget() async throws {
        try await database.query("DELETE FROM ledger_index_state").drain()
    }

    public func add(_ rows: IndexRows, after from: Int64, through last: Int64) async throws -> Int64 {
        try await database.transaction { connection in
            let logger = database.logger
            let current =
                try await connection.rows("SELECT indexed_through FROM ledger_index_state FOR UPDATE", logger: logger)
                .decode(Int64.self).elements().first ?? 0
            guard current == from else { return current }
            if !rows.rows.isEmpty {
                let columns = Columns(rows.rows)
                try await connection.rows(
                    """
                    INSERT INTO ledger_index (dimension, day, key, ts_us, seq)
                    SELECT * FROM unnest(\(columns.dimensions)::int2[], \(columns.days)::int4[], \(columns.keys)::int8[],
                                         \(columns.timestamps)::int8[], \(columns.sequences)::int8[])
                    ON CONFLICT DO NOTHING
                    """, logger: logger
                ).drain()
            }
            if !rows.userNames.isEmpty {
                let names = Array(rows.userNames)
                try await connection.rows(
                    """
                    INSERT INTO ledger_user_names (name, oid) SELECT * FROM unnest(\(names.map(\.name))::text[], \(names.map(\.objectID))::text[])
                    ON CONFLICT DO NOTHING
                    """, logger: logger
                ).drain()
            }
            try await connection.rows("UPDATE ledger_index_state SET indexed_through = \(last)", logger: logger).drain()
            return last
        }
    }

    /// Index rows as one array per column, to bind as `unnest` arguments.
    private struct Columns {
        let dimensions: PostgresArray
        let days: PostgresArray
        let keys: PostgresArray
        let timestamps: PostgresArray
        let sequences: PostgresArray

        init(_ rows: [IndexRow]) {
            dimensions = .int2(rows.map { Int16($0.dimension) })
            days = .int4(rows.map { Int32(clamping: $0.day) })
            keys = .int8(rows.map(\.key))
            timestamps = .int8(rows.map(\.timestamp))
            sequences = .int8(rows.map(\.sequence))
        }
    }
}
