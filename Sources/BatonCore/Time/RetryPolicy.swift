/// How an HTTP client retries what may succeed on a second try (network errors, 5xx, 429):
/// how many attempts, how long to back off, and the longest `Retry-After` worth waiting for.
///
/// The token endpoint client and every downstream connector share it, so "3 attempts,
/// 200 ms doubling, at most 10 s for Retry-After" means the same everywhere.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included. Default 3.
    public var attempts: Int
    /// The first backoff when the server names none; doubled each retry. Default 200 ms.
    public var initialBackoff: Duration
    /// A longer `Retry-After` is not waited for: the call fails as throttled. Default 10 s.
    public var maximumRetryDelay: Duration

    public init(attempts: Int = 3, initialBackoff: Duration = .milliseconds(200), maximumRetryDelay: Duration = .seconds(10)) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.maximumRetryDelay = maximumRetryDelay
    }
}
