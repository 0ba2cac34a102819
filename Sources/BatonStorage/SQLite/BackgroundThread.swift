import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A thread of its own, at a lower CPU priority, for store work nobody waits on — the
/// ledger's indexer reads, derives and writes its rows here.
///
/// Why: on a machine with few cores, a batch of index work running beside a chain at the
/// same priority holds a core for its whole time slice, and the chain's next step waits
/// for it (measured: a chain's p99 at one client rose from 2× to 3× its p50). At a higher
/// nice value the scheduler lets any waking request thread run first, while the work still
/// gets its share under sustained load. Store calls made here run synchronously on this
/// thread (GRDB runs a synchronous access on the calling thread), so none of their CPU
/// lands on the request threads.
public final class BackgroundThread: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var finished = false
    }

    private let queue = Mutex(Queue())
    private let signal = DispatchSemaphore(value: 0)

    /// Starts the thread.
    ///
    /// - Parameter niceness: added to the process's nice value for this thread (Linux; 0–19).
    public init(name: String, niceness: Int32 = 10) {
        // The thread holds the object until `finish()` lets it end.
        let thread = Thread { [self] in
            #if os(Linux)
                // Linux keeps a nice value per thread, and `who` 0 is the calling thread:
                // this lowers only this one.
                let which = __priority_which_t(PRIO_PROCESS.rawValue)
                _ = setpriority(which, 0, getpriority(which, 0) + niceness)
            #endif
            while let job = next() { job() }
        }
        thread.name = name
        thread.start()
    }

    /// The next job, waiting for one; `nil` once finished with nothing left.
    private func next() -> (@Sendable () -> Void)? {
        signal.wait()
        return queue.withLock { queue in queue.jobs.isEmpty ? nil : queue.jobs.removeFirst() }
    }

    /// Runs `body` on the thread and returns what it returns.
    ///
    /// - Throws: `CancellationError` when the thread has finished.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { queue in
                guard !queue.finished else { return false }
                queue.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted { signal.signal() } else { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Lets the thread end after the work already queued.
    public func finish() {
        let first = queue.withLock { queue in
            defer { queue.finished = true }
            return !queue.finished
        }
        if first { signal.signal() }
    }
}
