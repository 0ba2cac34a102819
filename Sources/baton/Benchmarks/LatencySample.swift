import BatonCore
import Foundation

/// Latencies of `count` sequential calls: median and 99th percentile.
struct LatencySample {
    private(set) var nanoseconds: [Int64] = []

    init() {}

    /// A sample of these latencies (ns), in any order.
    init(merging nanoseconds: [Int64]) {
        self.nanoseconds = nanoseconds.sorted()
    }

    static func measure(count: Int, _ operation: () async throws -> Void) async rethrows -> LatencySample {
        var sample = LatencySample()
        sample.nanoseconds.reserveCapacity(count)
        for _ in 0..<count {
            let start = ContinuousClock.now
            try await operation()
            let elapsed = ContinuousClock.now - start
            sample.nanoseconds.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        sample.nanoseconds.sort()
        return sample
    }

    func percentile(_ fraction: Double) -> Double {
        guard !nanoseconds.isEmpty else { return 0 }
        return Double(nanoseconds[min(nanoseconds.count - 1, Int(Double(nanoseconds.count) * fraction))]) / 1000
    }

    /// `p50 12.3 µs, p99 45.6 µs`.
    var summary: String {
        String(format: "p50 %.1f µs, p99 %.1f µs (%d calls)", percentile(0.5), percentile(0.99), nanoseconds.count)
    }
}
