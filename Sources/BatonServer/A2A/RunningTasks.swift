import BatonA2A

/// The A2A tasks running in this daemon now: `CancelTask` stops one and waits for its end,
/// `SubscribeToTask` follows one.
actor RunningTasks {
    private struct Run {
        let cancel: @Sendable () -> Void
        /// The task as it stands, for a subscriber's first event.
        var task: A2ATask
        var subscribers: [Int: AsyncStream<A2AStreamEvent>.Continuation] = [:]
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private var runs: [String: Run] = [:]
    private var lastSubscriber = 0

    /// Task `id` runs now, as `task` stands at its start.
    func add(_ id: String, task: A2ATask, cancel: @escaping @Sendable () -> Void) {
        runs[id] = Run(cancel: cancel, task: task)
    }

    /// What happened to task `id`, passed on to whoever follows it.
    func publish(_ event: A2AStreamEvent, of id: String) {
        guard var run = runs[id] else { return }
        run.task = event.applied(to: run.task)
        for subscriber in run.subscribers.values { subscriber.yield(event) }
        runs[id] = run
    }

    /// Follows task `id` while it runs here: the task as it stands, then its events until its
    /// run ends. `nil` when it does not run here.
    func subscribe(to id: String) -> AsyncStream<A2AStreamEvent>? {
        guard let task = runs[id]?.task else { return nil }
        let (events, continuation) = AsyncStream.makeStream(of: A2AStreamEvent.self)
        continuation.yield(.task(task))
        lastSubscriber += 1
        let key = lastSubscriber
        runs[id]?.subscribers[key] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(key, from: id) } }
        return events
    }

    private func unsubscribe(_ key: Int, from id: String) {
        runs[id]?.subscribers[key] = nil
    }

    /// The run of `id` has ended and its task is stored: ends its subscriptions and wakes
    /// whoever waits for it.
    func remove(_ id: String) {
        guard let run = runs.removeValue(forKey: id) else { return }
        for subscriber in run.subscribers.values { subscriber.finish() }
        for waiter in run.waiting { waiter.resume() }
    }

    /// Cancels task `id` if it is running here and returns once its run has ended;
    /// whether it was running.
    func cancel(_ id: String) async -> Bool {
        guard let run = runs[id] else { return false }
        run.cancel()
        await withCheckedContinuation { runs[id]?.waiting.append($0) }
        return true
    }
}
