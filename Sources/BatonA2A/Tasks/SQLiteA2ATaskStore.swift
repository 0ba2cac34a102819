import BatonCore
import Foundation
import GRDB

/// A2A tasks in SQLite (`tasks.sqlite`, table `a2a_tasks`), each stored whole as its A2A
/// JSON beside the columns a listing filters on; written with `synchronous = NORMAL` (a
/// task survives a crash of the daemon; a power cut may cost its last update, while the
/// chain it ran stays in the ledger).
public struct SQLiteA2ATaskStore: A2ATaskStore {
    private let database: any DatabaseWriter
    private let batcher: TaskSaveBatcher<PendingWrite>

    /// One task to write: its record and its JSON.
    struct PendingWrite: Sendable {
        let record: A2ATaskRecord
        let json: [UInt8]
    }

    /// The store on a migrated task database (`SQLiteStore.open(.tasks, …)`). Keep one per
    /// database: concurrent saves through it share commits.
    public init(database: any DatabaseWriter) {
        self.database = database
        self.batcher = TaskSaveBatcher { rows in try await Self.write(rows, to: database) }
    }

    public func save(_ record: A2ATaskRecord, json: [UInt8]) async throws {
        try await batcher.save(PendingWrite(record: record, json: json))
    }

    private static func write(_ rows: [PendingWrite], to database: any DatabaseWriter) async throws {
        try await database.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO a2a_tasks
                        (id, tenant_id, object_id, agent, context_id, state, chain_id, task, created_us, updated_us)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for row in rows {
                let record = row.record
                try statement.execute(arguments: [
                    record.task.id, record.owner.tenantID.lowercased(), record.owner.objectID.lowercased(), record.agent, record.task.contextId,
                    record.task.status.state.rawValue, record.chainID, Data(row.json), record.createdAt, record.updatedAt,
                ])
            }
        }
    }

    public func task(id: String, owner: ChainUser) async throws -> A2ATaskRecord? {
        let row = try await database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM a2a_tasks WHERE id = ? AND tenant_id = ? AND object_id = ?",
                arguments: [id, owner.tenantID.lowercased(), owner.objectID.lowercased()])
        }
        return try row.map { try Self.record($0, owner: owner) }
    }

    public func tasks(of owner: ChainUser, matching filter: A2ATaskFilter, after cursor: A2ATaskCursor?, limit: Int) async throws -> (
        records: [A2ATaskRecord], total: Int
    ) {
        var conditions = ["tenant_id = ?", "object_id = ?"]
        var arguments: StatementArguments = [owner.tenantID.lowercased(), owner.objectID.lowercased()]
        if let context = filter.contextID {
            conditions.append("context_id = ?")
            arguments += [context]
        }
        if let state = filter.state {
            conditions.append("state = ?")
            arguments += [state.rawValue]
        }
        let matching = conditions.joined(separator: " AND ")
        var page = matching
        var pageArguments = arguments
        if let cursor {
            page += " AND (updated_us < ? OR (updated_us = ? AND id > ?))"
            pageArguments += [cursor.updatedAt, cursor.updatedAt, cursor.id]
        }
        pageArguments += [limit]
        let (rows, total) = try await database.read { [page, pageArguments, matching, arguments] db in
            (
                try Row.fetchAll(db, sql: "SELECT * FROM a2a_tasks WHERE \(page) ORDER BY updated_us DESC, id LIMIT ?", arguments: pageArguments),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM a2a_tasks WHERE \(matching)", arguments: arguments) ?? 0
            )
        }
        return (try rows.map { try Self.record($0, owner: owner) }, total)
    }

    public func endInterrupted(_ end: @Sendable (inout A2ATaskRecord) -> Void) async throws -> Int {
        // Literal states, exactly as the partial index `a2a_tasks_running` names them, so
        // that the query planner can use it (it cannot prove bound parameters match).
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM a2a_tasks WHERE state IN ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING')")
        }
        for row in rows {
            var record = try Self.record(row, owner: ChainUser(tenantID: row["tenant_id"], objectID: row["object_id"], username: nil))
            end(&record)
            record.updatedAt = max(Int64(Date().timeIntervalSince1970 * 1_000_000), record.updatedAt)
            try await save(record)
        }
        return rows.count
    }

    private static func record(_ row: Row, owner: ChainUser) throws -> A2ATaskRecord {
        let task = try A2ATask(json: try StrictJSONParser.parse(row["task"] as Data), path: "task")
        return A2ATaskRecord(
            task: task, owner: owner, agent: row["agent"], chainID: row["chain_id"], createdAt: row["created_us"], updatedAt: row["updated_us"])
    }
}
