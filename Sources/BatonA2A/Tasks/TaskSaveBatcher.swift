/// Coalesces the task saves that arrive while one is being written into the next single
/// transaction: under load, one commit carries many tasks (their table and index pages
/// written once) instead of one commit each. Every caller still returns only once its own
/// task is committed.
actor TaskSaveBatcher {
    private let write: @Sendable ([A2ATaskRecord]) async throws -> Void
    private var pending: [A2ATaskRecord] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    init(write: @escaping @Sendable ([A2ATaskRecord]) async throws -> Void) {
        self.write = write
    }

    func save(_ record: A2ATaskRecord) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(record)
            waiting.append(continuation)
            if !writing {
                writing = true
                Task { await drain() }
            }
        }
    }

    /// Writes batches until none is pending; saves of one task keep their order.
    private func drain() async {
        while !pending.isEmpty {
            let batch = pending
            let waiters = waiting
            pending = []
            waiting = []
            do {
                try await write(batch)
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
        writing = false
    }
}
