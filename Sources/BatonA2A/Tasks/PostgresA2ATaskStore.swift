import BatonCore
import BatonStorage
import Foundation
import Logging
internal import NIOCore
import PostgresNIO

/// A2A tasks in PostgreSQL (`a2a_tasks`), shared by every daemon on the schema: a client
/// may ask any daemon about a task another ran.
///
/// Each task names the daemon running it (`runner`), and each daemon records that it is
/// alive in `baton_daemons` (``heartbeat()``, every ``heartbeatInterval``). A submitted or
/// working task whose daemon has not been seen for ``deadAfter`` is ended as interrupted by
/// whichever daemon notices first (``endInterrupted(_:)``) — never a task a live daemon runs.
public struct PostgresA2ATaskStore: A2ATaskStore {
    private let database: PostgresStorage
    /// This daemon's id in `baton_daemons` (new at each start).
    public let daemonID: String
    private let batcher: TaskSaveBatcher<PendingWrite>

    /// How often a daemon records that it is alive.
    public static let heartbeatInterval = Duration.seconds(10)
    /// A daemon not seen for this long is taken for stopped.
    public static let deadAfter = Duration.seconds(45)

    struct PendingWrite: Sendable {
        let record: A2ATaskRecord
        let json: [UInt8]
    }

    /// The store on a migrated database (``PostgresMigrator``); keep one per daemon, so that
    /// concurrent saves share commits.
    public init(database: PostgresStorage, daemonID: String = UUIDv7.make()) {
        self.database = database
        self.daemonID = daemonID
        self.batcher = TaskSaveBatcher { [daemonID] rows in try await Self.write(rows, runner: daemonID, to: database) }
    }

    public func save(_ record: A2ATaskRecord, json: [UInt8]) async throws {
        try await batcher.save(PendingWrite(record: record, json: json))
    }

    private static func write(_ rows: [PendingWrite], runner: String, to database: PostgresStorage) async throws {
        // The last save of a task in the batch wins (saves of one task keep their order).
        var latest: [String: PendingWrite] = [:]
        var order: [String] = []
        for row in rows {
            if latest[row.record.task.id] == nil { order.append(row.record.task.id) }
            latest[row.record.task.id] = row
        }
        let writes = order.compactMap { latest[$0] }
        try await database.query(
            """
            INSERT INTO a2a_tasks (id, tenant_id, object_id, agent, context_id, state, chain_id, task, created_us, updated_us, runner)
            SELECT id, tenant, object, agent, NULLIF(context, ''), state, NULLIF(chain, ''), task, created, updated, \(runner) FROM unnest(
                \(writes.map(\.record.task.id))::text[], \(writes.map { $0.record.owner.tenantID.lowercased() })::text[],
                \(writes.map { $0.record.owner.objectID.lowercased() })::text[], \(writes.map(\.record.agent))::text[],
                \(writes.map { $0.record.task.contextId ?? "" })::text[], \(writes.map(\.record.task.status.state.rawValue))::text[],
                \(writes.map { $0.record.chainID ?? "" })::text[], \(writes.map { ByteBuffer(bytes: $0.json) })::bytea[],
                \(writes.map(\.record.createdAt))::int8[], \(writes.map(\.record.updatedAt))::int8[])
                AS w(id, tenant, object, agent, context, state, chain, task, created, updated)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, chain_id = excluded.chain_id, task = excluded.task,
                context_id = excluded.context_id, updated_us = excluded.updated_us, runner = excluded.runner
            """
        ).drain()
    }

    public func task(id: String, owner: ChainUser) async throws -> A2ATaskRecord? {
        let rows = try await database.query(
            """
            SELECT task, agent, chain_id, created_us, updated_us FROM a2a_tasks
            WHERE id = \(id) AND tenant_id = \(owner.tenantID.lowercased()) AND object_id = \(owner.objectID.lowercased())
            """)
        return try await rows.decode((ByteBuffer, String, String?, Int64, Int64).self).elements().first.map { try Self.record($0, owner: owner) }
    }

    public func tasks(of owner: ChainUser, matching filter: A2ATaskFilter, after cursor: A2ATaskCursor?, limit: Int) async throws -> (
        records: [A2ATaskRecord], total: Int
    ) {
        let (tenant, object) = (owner.tenantID.lowercased(), owner.objectID.lowercased())
        let (context, state) = (filter.contextID, filter.state?.rawValue)
        let rows = try await database.query(
            """
            SELECT task, agent, chain_id, created_us, updated_us FROM a2a_tasks
            WHERE tenant_id = \(tenant) AND object_id = \(object)
              AND (\(context)::text IS NULL OR context_id = \(context)) AND (\(state)::text IS NULL OR state = \(state))
              AND (\(cursor?.updatedAt)::int8 IS NULL OR updated_us < \(cursor?.updatedAt) OR (updated_us = \(cursor?.updatedAt) AND id > \(cursor?.id)))
            ORDER BY updated_us DESC, id LIMIT \(Int64(limit))
            """)
        var records: [A2ATaskRecord] = []
        for try await row in rows.decode((ByteBuffer, String, String?, Int64, Int64).self) { records.append(try Self.record(row, owner: owner)) }
        let total =
            try await database.query(
                """
                SELECT count(*) FROM a2a_tasks WHERE tenant_id = \(tenant) AND object_id = \(object)
                  AND (\(context)::text IS NULL OR context_id = \(context)) AND (\(state)::text IS NULL OR state = \(state))
                """
            ).decode(Int64.self).elements().first ?? 0
        return (records, Int(total))
    }

    /// Ends the submitted and working tasks of daemons not seen for ``deadAfter`` (a daemon
    /// that stopped or was killed), never this daemon's or another live one's.
    public func endInterrupted(_ end: @Sendable (inout A2ATaskRecord) -> Void) async throws -> Int {
        let rows = try await database.query(
            """
            SELECT task, agent, chain_id, created_us, updated_us, tenant_id, object_id FROM a2a_tasks
            WHERE state IN ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING') AND (runner IS NULL OR runner <> \(daemonID))
              AND NOT EXISTS (SELECT 1 FROM baton_daemons d WHERE d.id = a2a_tasks.runner
                              AND d.seen_at > now() - make_interval(secs => \(Double(Self.deadAfter.components.seconds))))
            """)
        var ended = 0
        // Read to the end first: the connection is free again before the saves.
        for (task, agent, chain, created, updated, tenant, object) in try await rows.decode(
            (ByteBuffer, String, String?, Int64, Int64, String, String).self
        ).elements() {
            var record = try Self.record((task, agent, chain, created, updated), owner: ChainUser(tenantID: tenant, objectID: object, username: nil))
            end(&record)
            record.updatedAt = max(Int64(Date().timeIntervalSince1970 * 1_000_000), record.updatedAt)
            try await save(record)
            ended += 1
        }
        return ended
    }

    /// Records that this daemon is alive (and forgets daemons gone for a day).
    public func heartbeat() async throws {
        try await database.query(
            """
            INSERT INTO baton_daemons (id, host) VALUES (\(daemonID), \(ProcessInfo.processInfo.hostName))
            ON CONFLICT (id) DO UPDATE SET seen_at = now()
            """
        ).drain()
        try await database.query("DELETE FROM baton_daemons WHERE seen_at < now() - interval '1 day'").drain()
    }

    private static func record(_ row: (ByteBuffer, String, String?, Int64, Int64), owner: ChainUser) throws -> A2ATaskRecord {
        let task = try A2ATask(json: try StrictJSONParser.parse(Data(buffer: row.0)), path: "task")
        return A2ATaskRecord(task: task, owner: owner, agent: row.1, chainID: row.2, createdAt: row.3, updatedAt: row.4)
    }
}
