import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// glibc has these (2.29+), but its headers show them only to _GNU_SOURCE builds.
@_silgen_name("pipe2")
private func systemPipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func systemAddChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
// glibc 2.34+.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func systemAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ first: Int32) -> Int32

/// A child process started with `posix_spawn`, its output read and its exit awaited on
/// threads of its own — never on the concurrency pool, whose two threads here the
/// in-process servers of other tests need — and with default signal handling, so that
/// SIGTERM stops it (the test process blocks SIGTERM, and Foundation's `Process` passes
/// that mask on; on Linux it has also crashed in libdispatch while tests spawned children).
/// The child gets standard input, output and error, and no other descriptor.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    private let state = Mutex(State())

    private struct State {
        var output: [UInt8] = []
        var errors: [UInt8] = []
        /// Bytes of each stream kept; older output is dropped (a long-running child's log).
        var keep = Int.max
        var readersDone = 0
        var status: Int32?
        var waiting: [CheckedContinuation<Int32, Never>] = []
    }

    /// Starts `executable`; standard error goes with standard output when `mergingErrors`.
    ///
    /// - Parameter keepingLast: bytes of each stream kept in memory; a child that runs for a
    ///   long time keeps only its latest output.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], directory: String? = nil, mergingErrors: Bool = false,
        keepingLast: Int = .max
    ) throws {
        state.withLock { $0.keep = keepingLast }
        let output = try Self.pipe()
        let errors = mergingErrors ? output : try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)
        // Nothing else of this process's passes to the child, whatever its close-on-exec flag:
        // not a client's socket, not a store's file (and a server the child starts counts
        // inherited descriptors against its own limit).
        _ = systemAddCloseFrom(&actions, 3)
        if let directory { _ = systemAddChdir(&actions, directory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var nothing = sigset_t()
        sigemptyset(&nothing)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &nothing)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var spawnedID = pid_t()
        let result = posix_spawn(&spawnedID, executable, &actions, &attributes, argv, envp)
        let pid = spawnedID
        close(output.write)
        if !mergingErrors { close(errors.write) }
        guard result == 0 else {
            close(output.read)
            if !mergingErrors { close(errors.read) }
            throw ProcessFailure(message: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        read(output.read, into: \.output)
        if mergingErrors {
            state.withLock { $0.readersDone += 1 }
        } else {
            read(errors.read, into: \.errors)
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            // The exit status as a shell reports it: the code, or 128 + the signal.
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            // Output written just before the exit is read before anyone learns of it (unless
            // a grandchild keeps the pipe open: then two seconds at most).
            for _ in 0..<2000 where state.withLock({ $0.readersDone }) < 2 { usleep(1000) }
            let waiting = state.withLock { state in
                state.status = code
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in waiting { waiter.resume(returning: code) }
        }
    }

    /// A process of this environment plus `environment`.
    public convenience init(
        _ executable: String, _ arguments: [String], adding environment: [String: String], directory: String? = nil, mergingErrors: Bool = false
    ) throws {
        try self.init(
            executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, directory: directory,
            mergingErrors: mergingErrors)
    }

    /// What it wrote to standard output so far (and standard error, when merged).
    public var output: String { state.withLock { String(decoding: $0.output, as: UTF8.self) } }
    /// What it wrote to standard error so far.
    public var errors: String { state.withLock { String(decoding: $0.errors, as: UTF8.self) } }
    /// Its exit status, once it has exited.
    public var exitStatus: Int32? { state.withLock { $0.status } }
    public var isRunning: Bool { exitStatus == nil }

    /// Waits for the exit; the status (or 128 + the signal that ended it).
    public func exit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = state.withLock { state -> Int32? in
                if state.status == nil { state.waiting.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits until its output has a line that starts with `prefix`; that line.
    public func line(startingWith prefix: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await line(where: { $0.hasPrefix(prefix) }, description: "starting with '\(prefix)'", timeout: timeout)
    }

    /// Waits until standard output (or, `inErrors`, standard error) has a line that
    /// `matches`; that line. Fails once the process has exited without one, or at `timeout`.
    public func line(
        where matches: (Substring) -> Bool, description: String, inErrors: Bool = false, timeout: Duration = .seconds(60)
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        // The output is read once more after the deadline has passed: on a starved machine
        // the last sleep can overrun it, and a line written meanwhile counts.
        var lastLook = false
        while !lastLook {
            lastLook = ContinuousClock.now >= deadline
            if let line = (inErrors ? errors : output).split(separator: "\n").first(where: matches) { return String(line) }
            guard isRunning else { break }
            if !lastLook { try await Task.sleep(for: .milliseconds(20)) }
        }
        throw ProcessFailure(message: "no line \(description); the output was:\n\(output)\(errors)")
    }

    // MARK: - Plumbing

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard systemPipe2(&ends, O_CLOEXEC) == 0 else { throw ProcessFailure(message: "cannot make a pipe: \(String(cString: strerror(errno)))") }
        return (ends[0], ends[1])
    }

    private func read(_ descriptor: Int32, into stream: WritableKeyPath<State, [UInt8]> & Sendable) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                state.withLock { state in
                    state[keyPath: stream].append(contentsOf: buffer[..<count])
                    let excess = state[keyPath: stream].count - state.keep
                    if excess > 0 { state[keyPath: stream].removeFirst(excess) }
                }
            }
            close(descriptor)
            state.withLock { $0.readersDone += 1 }
        }
    }
}
