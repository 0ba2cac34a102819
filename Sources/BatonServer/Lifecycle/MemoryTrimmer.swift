import Foundation
import ServiceLifecycle

/// Hands the memory the allocator holds free back to the system, every `interval`.
///
/// After a burst (a thousand concurrent chains) glibc keeps the freed memory in its arenas,
/// so the daemon's RSS stays at its peak while idle. `malloc_trim(0)` releases the free
/// pages inside the heap; a pass takes about a millisecond. Elsewhere than glibc it does
/// nothing.
struct MemoryTrimmer: Service {
    let interval: Duration

    func run() async throws {
        // A service that returns ends the daemon: with nothing to do, wait for the shutdown.
        guard interval > .zero, let trim = Self.mallocTrim else { return try await gracefulShutdown() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                _ = trim(0)
            }
        }
    }

    /// glibc's `malloc_trim`, which the Glibc module does not export.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if os(Linux)
            guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()
}
