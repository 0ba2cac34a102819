/// Coalesces the task saves that arrive while one is being written into the next single
/// transaction: under load, one commit carries many tasks (their table and index pages
/// written once) instead of one commit each. Every caller still returns only once its own
/// task is committed.
actor TaskSaveBatcher<Item: Sendable> {
    private let write: @Sendable ([Item]) async throws -> Void
    private var pending: [Item] = []
    private var waiting: [CheckedContinuation<Void, any Error>] = []
    private var writing = false

    init(write: @escaping @Sendable ([Item]) async throws -> Void) {
        self.write = write
    }

    func save(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(item)
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
