import BatonCore
import Foundation

/// Where A2A tasks are kept: the storage seam under the A2A server (SQLite embedded,
/// ``SQLiteA2ATaskStore``; PostgreSQL for several daemons). Tasks survive a restart.
///
/// Every read is scoped to the task's owner: a task of another user is as absent as one
/// that never existed.
public protocol A2ATaskStore: Sendable {
    /// Stores a task, replacing the one with its id (a task is saved at each state change).
    /// `json` is the task's A2A JSON, `record.task.json.serialized`: serialized once by the
    /// caller, which answers with the same bytes.
    func save(_ record: A2ATaskRecord, json: [UInt8]) async throws
    /// The task with `id`, if `owner` owns it.
    func task(id: String, owner: ChainUser) async throws -> A2ATaskRecord?
    /// `owner`'s tasks, most recently updated first, after `cursor`; and how many match in all.
    func tasks(of owner: ChainUser, matching filter: A2ATaskFilter, after cursor: A2ATaskCursor?, limit: Int) async throws -> (
        records: [A2ATaskRecord], total: Int
    )
    /// Ends every task a stopped daemon left submitted or working — nothing runs them any
    /// more — with the status `end` gives it; how many there were. Called as the store opens.
    /// (With several daemons on one store, each must end only the tasks it ran.)
    func endInterrupted(_ end: @Sendable (inout A2ATaskRecord) -> Void) async throws -> Int
}

extension A2ATaskStore {
    /// Stores a task, serializing it here.
    public func save(_ record: A2ATaskRecord) async throws {
        try await save(record, json: record.task.json.serialized)
    }
}

/// A task and what Baton keeps beside it.
public struct A2ATaskRecord: Sendable, Equatable {
    public var task: A2ATask
    /// The user whose token created it.
    public var owner: ChainUser
    /// The agent it was sent to.
    public var agent: String
    /// The chain it ran as, once known: its entries in the ledger.
    public var chainID: String?
    /// Microseconds since 1970.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(task: A2ATask, owner: ChainUser, agent: String, chainID: String? = nil, createdAt: Int64, updatedAt: Int64) {
        self.task = task
        self.owner = owner
        self.agent = agent
        self.chainID = chainID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Where a listing continues after this task.
    public var cursor: A2ATaskCursor {
        A2ATaskCursor(updatedAt: updatedAt, id: task.id)
    }
}

/// Which of a user's tasks to list.
public struct A2ATaskFilter: Sendable, Equatable {
    public var contextID: String?
    public var state: A2ATaskState?

    public init(contextID: String? = nil, state: A2ATaskState? = nil) {
        self.contextID = contextID
        self.state = state
    }
}

/// A position in a user's task list (newest first): the page token, opaque to clients.
public struct A2ATaskCursor: Sendable, Equatable {
    public let updatedAt: Int64
    public let id: String

    public init(updatedAt: Int64, id: String) {
        self.updatedAt = updatedAt
        self.id = id
    }

    /// As a page token.
    public var token: String {
        Data("\(updatedAt):\(id)".utf8).base64EncodedString()
    }

    /// A page token read back; `nil` when it is not one of ours.
    public init?(token: String) {
        guard let bytes = Data(base64Encoded: token), let text = String(bytes: bytes, encoding: .utf8),
            let colon = text.firstIndex(of: ":"), let updatedAt = Int64(text[..<colon])
        else { return nil }
        self.init(updatedAt: updatedAt, id: String(text[text.index(after: colon)...]))
    }
}
