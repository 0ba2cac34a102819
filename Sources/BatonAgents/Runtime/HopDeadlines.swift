import Synchronization

/// The hops' time limits, watched by one task.
///
/// A timer per hop (a sleeping task racing the work) would keep every cancelled sleep
/// and its dispatch timer alive until its deadline: at 1,000 chains/s and a 30 s limit
/// that is 90,000 timers held under load, and a heap that never shrinks after it. Here a
/// hop registers its deadline and removes it when done; one watcher, alive while any hop
/// is watched, wakes at least every ``resolution`` and cancels the hops whose time is up.
actor HopDeadlines {
    private struct Watched {
        let deadline: ContinuousClock.Instant
        let expire: @Sendable () -> Void
    }

    /// How late a deadline may be noticed at most.
    static let resolution = Duration.milliseconds(100)

    private var watched: [UInt64: Watched] = [:]
    private var nextID: UInt64 = 0
    private var watcher: Task<Void, Never>?

    /// Calls `expire` once `deadline` passes (within ``resolution``), unless ``forget(_:)`` is called first.
    func watch(until deadline: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        nextID += 1
        watched[nextID] = Watched(deadline: deadline, expire: expire)
        if watcher == nil { watcher = Task { await self.watchUntilEmpty() } }
        return nextID
    }

    func forget(_ id: UInt64) {
        watched[id] = nil
    }

    /// Hops being watched, for tests.
    var count: Int { watched.count }

    /// Sleeps to the earliest deadline, but never longer than ``resolution`` (a deadline
    /// registered meanwhile may be earlier), expires what is due, and ends when nothing is watched.
    private func watchUntilEmpty() async {
        while let earliest = watched.values.lazy.map(\.deadline).min() {
            try? await Task.sleep(until: min(earliest, .now + Self.resolution), clock: .continuous)
            let now = ContinuousClock.now
            for (id, hop) in watched where hop.deadline <= now {
                watched[id] = nil
                hop.expire()
            }
        }
        watcher = nil
    }
}

/// Whether a hop's deadline passed, set by the watcher and read once the work ends.
final class HopExpiry: Sendable {
    private let expired = Atomic<Bool>(false)

    func expire() {
        expired.store(true, ordering: .releasing)
    }

    var hasExpired: Bool { expired.load(ordering: .acquiring) }
}
