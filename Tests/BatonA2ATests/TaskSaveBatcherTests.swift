import BatonCore
import Synchronization
import Testing

@testable import BatonA2A

@Suite("Concurrent task saves share commits")
struct TaskSaveBatcherTests {
    static func record(_ id: String, _ state: A2ATaskState) -> A2ATaskRecord {
        A2ATaskRecord(
            task: A2ATask(id: id, contextId: nil, status: A2ATaskStatus(state: state)),
            owner: ChainUser(tenantID: "t", objectID: "o", username: nil), agent: "a", createdAt: 0, updatedAt: 0)
    }

    @Test("saves that arrive during a write go out together in the next one, each caller returns once its own is written, in order")
    func coalesces() async throws {
        let written = Mutex<[[String]]>([])
        let batcher = TaskSaveBatcher<A2ATaskRecord> { records in
            try await Task.sleep(for: .milliseconds(20))
            written.withLock { $0.append(records.map { "\($0.task.id):\($0.task.status.state.rawValue)" }) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { try await batcher.save(Self.record("task-\(index)", .working)) }
            }
            try await group.waitForAll()
        }
        let batches = written.withLock { $0 }
        #expect(batches.flatMap { $0 }.count == 20, "every save was written once")
        #expect(batches.count < 20, "saves shared writes: \(batches.map(\.count))")
        try await batcher.save(Self.record("task-0", .completed))
        #expect(written.withLock { $0.last } == ["task-0:TASK_STATE_COMPLETED"], "a later save of a task is written after the earlier one")
    }

    @Test("a write that fails fails every save it carried, and the next write goes on")
    func failures() async throws {
        struct Broken: Error {}
        let attempts = Mutex(0)
        let batcher = TaskSaveBatcher<A2ATaskRecord> { _ in
            if attempts.withLock({ count in
                count += 1
                return count
            }) == 1 {
                throw Broken()
            }
        }
        await #expect(throws: Broken.self) { try await batcher.save(Self.record("x", .working)) }
        try await batcher.save(Self.record("y", .working))
        #expect(attempts.withLock { $0 } == 2)
    }
}
