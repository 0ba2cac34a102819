import BatonCore
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import BatonA2A

@Suite("A2A task stores, on SQLite and on PostgreSQL")
struct A2ATaskStoreTests {
    static let jane = ChainUser(tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: nil)
    static let harriet = ChainUser(tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1", username: nil)

    /// A fresh store on `engine`, and (PostgreSQL) its database.
    private func store(_ engine: StorageEngine) async throws -> (any A2ATaskStore, PostgresStorage?, TemporaryDirectory) {
        let root = try TemporaryDirectory()
        switch engine {
        case .sqlite:
            let directory = try DataDirectory.prepare(root.file("data"))
            let pool = try SQLiteStore.open(.tasks, in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
            return (SQLiteA2ATaskStore(database: pool), nil, root)
        case .postgres:
            let database = try await PostgresTestDatabase.open()
            return (PostgresA2ATaskStore(database: database), database, root)
        }
    }

    private static func record(_ id: String, owner: ChainUser = jane, state: A2ATaskState = .completed, context: String? = "ctx-1", at time: Int64)
        -> A2ATaskRecord
    {
        A2ATaskRecord(
            task: A2ATask(id: id, contextId: context, status: A2ATaskStatus(state: state)), owner: owner, agent: "concierge",
            chainID: state == .submitted ? nil : "chain-\(id)", createdAt: time, updatedAt: time)
    }

    @Test("a task is found only by its owner; listings filter, page newest first and count every match", arguments: StorageEngine.allCases)
    func ownerScopedListing(engine: StorageEngine) async throws {
        let (store, database, _) = try await store(engine)
        for index in 1...7 {
            try await store.save(
                Self.record("t\(index)", state: index % 2 == 0 ? .working : .completed, context: index <= 5 ? "ctx-1" : "ctx-2", at: Int64(index)))
        }
        try await store.save(Self.record("h1", owner: Self.harriet, at: 100))
        var updated = Self.record("t1", state: .completed, at: 50)
        updated.task.status = A2ATaskStatus(state: .canceled)
        try await store.save(updated)

        #expect(try await store.task(id: "t1", owner: Self.jane)?.task.status.state == .canceled)
        #expect(try await store.task(id: "h1", owner: Self.jane) == nil, "another user's task is as absent as a missing one")
        #expect(try await store.task(id: "t3", owner: Self.jane)?.chainID == "chain-t3")

        let first = try await store.tasks(of: Self.jane, matching: A2ATaskFilter(contextID: "ctx-1"), after: nil, limit: 2)
        #expect(first.records.map(\.task.id) == ["t1", "t5"])
        #expect(first.total == 5)
        let second = try await store.tasks(of: Self.jane, matching: A2ATaskFilter(contextID: "ctx-1"), after: first.records.last?.cursor, limit: 10)
        #expect(second.records.map(\.task.id) == ["t4", "t3", "t2"])
        let working = try await store.tasks(of: Self.jane, matching: A2ATaskFilter(state: .working), after: nil, limit: 10)
        #expect(working.records.map(\.task.id) == ["t6", "t4", "t2"] && working.total == 3)
        await database?.close()
    }

    @Test("tasks a stopped daemon left running are ended as failed when the store opens again")
    func endInterruptedOnSQLite() async throws {
        let (store, _, _) = try await store(.sqlite)
        try await store.save(Self.record("w", state: .working, at: 1))
        try await store.save(Self.record("d", state: .completed, at: 2))
        #expect(try await store.endInterrupted { $0.task.endInterruptedByStop() } == 1)
        #expect(try await store.task(id: "w", owner: Self.jane)?.task.status.state == .failed)
    }

    @Test("on PostgreSQL only a dead daemon's running tasks are ended: a live daemon's are left alone")
    func endInterruptedAcrossDaemons() async throws {
        let database = try await PostgresTestDatabase.open()
        let alive = PostgresA2ATaskStore(database: database, daemonID: "alive")
        let dead = PostgresA2ATaskStore(database: database, daemonID: "dead")
        let starting = PostgresA2ATaskStore(database: database, daemonID: "starting")
        try await alive.heartbeat()
        try await dead.heartbeat()
        try await alive.save(Self.record("mine", state: .working, at: 1))
        try await dead.save(Self.record("orphan", state: .submitted, at: 2))
        try await dead.save(Self.record("finished", state: .completed, at: 3))
        #expect(try await starting.endInterrupted { $0.task.endInterruptedByStop() } == 0, "both daemons were seen just now")

        try await database.query("UPDATE baton_daemons SET seen_at = now() - interval '10 minutes' WHERE id = 'dead'").drain()
        #expect(try await starting.endInterrupted { $0.task.endInterruptedByStop() } == 1)
        #expect(try await starting.task(id: "orphan", owner: Self.jane)?.task.status.state == .failed)
        #expect(try await starting.task(id: "mine", owner: Self.jane)?.task.status.state == .working)
        #expect(try await starting.task(id: "finished", owner: Self.jane)?.task.status.state == .completed)
        await database.close()
    }
}
