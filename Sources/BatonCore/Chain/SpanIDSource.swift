import Synchronization

/// Span ids: 64 random bits, never zero, in hex. Every span of a traced chain needs one,
/// so they come from xoshiro256** seeded once from the system's generator rather than a
/// system call each; W3C Trace Context asks span ids to be random, not secret. Trace ids,
/// one a chain, still come from the system's generator.
enum SpanIDSource {
    private static let generator = Mutex(Xoshiro256StarStar())

    static func next() -> String {
        var value: UInt64 = 0
        while value == 0 { value = generator.withLock { $0.next() } }
        return withUnsafeBytes(of: value.bigEndian) { Hex.encode($0) }
    }
}

/// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, seeded from the system.
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        repeat {
            state = (system.next(), system.next(), system.next(), system.next())
        } while state == (0, 0, 0, 0)
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
