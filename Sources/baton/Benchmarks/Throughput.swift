import BatonCore
import Foundation

/// Runs an operation flat out on `tasks` concurrent tasks for a while and counts completions.
struct Throughput {
    let duration: Duration

    /// Completions per second over `duration`, with `tasks` tasks each calling `operation` in a loop.
    func measure(tasks: Int, _ operation: @escaping @Sendable () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        let deadline = start + duration
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        try await operation()
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        return Double(total) / elapsed.timeInterval
    }
}
