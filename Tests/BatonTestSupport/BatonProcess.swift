import BatonCore
import Foundation
import Synchronization

/// The `baton` executable built next to the test bundle, run as a child process.
public final class BatonProcess: Sendable {
    private let arguments: [String]
    private let environment: [String: String]
    private let directory: String?
    private let spawned = Mutex<SpawnedProcess?>(nil)

    /// The path of the built `baton` binary.
    public static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        // swift-testing runs inside `X.xctest` (a file on Linux, a bundle on macOS).
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("baton").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("baton")
    }

    /// `baton arguments…` in this environment (without its `BATON_` variables) plus `environment`.
    public init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) {
        self.arguments = arguments
        self.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BATON_") }.merging(environment) { $1 }
        self.directory = directory
    }

    public func start() throws {
        let process = try SpawnedProcess(Self.executable.path, arguments, environment: environment, directory: directory)
        spawned.withLock { $0 = process }
    }

    /// Runs to completion and returns the exit status.
    public func run() async throws -> Int32 {
        try start()
        return await process.exit()
    }

    private var process: SpawnedProcess {
        spawned.withLock { $0! }
    }

    /// The process id, once started.
    public var pid: Int32? { spawned.withLock { $0?.pid } }

    public var standardOutput: String { spawned.withLock { $0?.output ?? "" } }
    public var standardError: String { spawned.withLock { $0?.errors ?? "" } }
    /// The exit status, once it has exited.
    public var exitStatus: Int32? { spawned.withLock { $0?.exitStatus } }
    public var isRunning: Bool { spawned.withLock { $0?.isRunning ?? false } }

    /// Waits until standard error has a line containing `marker`, returning that line.
    public func waitForLine(containing marker: String, timeout: Duration = .seconds(60)) async throws -> String {
        try await process.line(where: { $0.contains(marker) }, description: "containing '\(marker)'", inErrors: true, timeout: timeout)
    }

    /// Sends `signal` and waits for the process to exit; returns the status and how long it took.
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> (status: Int32, elapsed: Duration) {
        let start = ContinuousClock.now
        let process = self.process
        process.signal(signal)
        while process.isRunning {
            guard ContinuousClock.now - start < timeout else {
                process.signal(SIGKILL)
                throw ProcessFailure(message: "baton did not exit within \(timeout) of signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return (await process.exit(), ContinuousClock.now - start)
    }

    /// Sends `signal` without waiting.
    public func signal(_ signal: Int32) {
        spawned.withLock { $0?.signal(signal) }
    }

    /// Kills it at once (SIGKILL) and waits for the end.
    public func kill() async {
        process.signal(SIGKILL)
        _ = await process.exit()
    }
}
