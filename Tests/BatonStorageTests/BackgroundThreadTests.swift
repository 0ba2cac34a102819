import Foundation
import Testing

@testable import BatonStorage

#if canImport(Glibc)
    import Glibc
#endif

@Suite("The background thread: store work off the request threads, at a lower priority")
struct BackgroundThreadTests {
    private static func niceness() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test("jobs run on one thread of its own, at the raised nice value, leaving the caller's untouched")
    func ordering() async throws {
        let thread = BackgroundThread(name: "test-background", niceness: 5)
        defer { thread.finish() }
        let here = Self.niceness()
        let results = try await withThrowingTaskGroup(of: (Int, UInt, Int32).self) { group in
            for index in 0..<20 {
                group.addTask { try await thread.run { (index, UInt(pthread_self()), Self.niceness()) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(Set(results.map(\.1)).count == 1, "one thread ran them all")
        #expect(!results.map(\.1).contains(UInt(pthread_self())))
        #expect(Set(results.map(\.2)) == [min(here + 5, 19)])
        #expect(Self.niceness() == here, "the caller's priority is untouched")
    }

    @Test("an error thrown by a job reaches its caller; after finish, work is refused")
    func errorsAndFinish() async throws {
        struct Refused: Error {}
        let thread = BackgroundThread(name: "test-background")
        await #expect(throws: Refused.self) { try await thread.run { throw Refused() } }
        #expect(try await thread.run { 42 } == 42)
        thread.finish()
        await #expect(throws: CancellationError.self) { try await thread.run { 1 } }
    }
}
