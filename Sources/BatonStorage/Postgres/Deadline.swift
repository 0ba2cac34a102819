import Synchronization

/// Runs `body`, throwing `expired()` instead when it has not finished within `limit`, and
/// `CancellationError` as soon as the calling task is cancelled. Returns then even when
/// `body` does not stop: its task is cancelled and left to end on its own.
///
/// For calls into the database: a query sent on a connection the server dropped without a
/// word can wait forever, and a request must fail with 503 instead — and a daemon that is
/// shutting down must not wait for it.
func withDeadline<T: Sendable>(
    _ limit: Duration, expired: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation)
            let work = Task {
                do {
                    race.finish(.success(try await body()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            race.attach(work)
            race.attach(
                timer: Task {
                    // Cancelled as soon as the work finishes: no sleeping task per call.
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    race.finish(.failure(expired()))
                })
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// Whichever of the work, the timer and cancellation comes first resumes the waiting caller.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var waiting: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let finished = state.withLock { state in
            state.waiting = continuation
            return state.finished
        }
        // Cancelled before the continuation existed.
        if finished { state.withLock { $0.waiting.take() }?.resume(throwing: CancellationError()) }
    }

    func attach(_ work: Task<Void, Never>) {
        let finished = state.withLock { state in
            state.work = work
            return state.finished
        }
        if finished { work.cancel() }
    }

    func attach(timer: Task<Void, Never>) {
        let finished = state.withLock { state in
            state.timer = timer
            return state.finished
        }
        if finished { timer.cancel() }
    }

    /// Resumes the caller with `result` unless something finished first; the work is then
    /// cancelled if it has not finished, and the timer in any case.
    func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) in
            guard !state.finished else { return (nil, nil, nil) }
            state.finished = true
            return (state.waiting.take(), state.work, state.timer)
        }
        guard let continuation else { return }
        if case .failure = result { work?.cancel() }
        timer?.cancel()
        continuation.resume(with: result)
    }
}
