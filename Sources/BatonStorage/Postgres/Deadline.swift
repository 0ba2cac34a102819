import Synchronization

/// Runs `body`, throwing `expired()` instead when it has not finished within `limit`. Returns
/// at the deadline even when `body` does not stop: its task is cancelled and left to end.
///
/// For calls into the database pool, which waits for a connection as long as the server
/// is unreachable: a health check must answer, not hang.
func withDeadline<T: Sendable>(
    _ limit: Duration, expired: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.start(continuation)
        let work = Task {
            do {
                race.finish(.success(try await body()))
            } catch {
                race.finish(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if race.finish(.failure(expired())) { work.cancel() }
        }
    }
}

/// Whichever of the work and the timer finishes first resumes the waiting caller.
private final class Race<T: Sendable>: Sendable {
    private let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        waiting.withLock { $0 = continuation }
    }

    /// Resumes the caller with `result` unless it was resumed already; whether it was this call.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = waiting.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}
