import Foundation

/// The `baton` executable built next to the test bundle, run as a child process.
public final class BatonProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var standardErrorText = ""
    private var standardOutputText = ""

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

    public init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) {
        process.executableURL = Self.executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BATON_") }
        merged.merge(environment) { $1 }
        process.environment = merged
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            self?.lock.withLock { self?.standardOutputText += text }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            self?.lock.withLock { self?.standardErrorText += text }
        }
    }

    public func start() throws {
        try process.run()
    }

    /// Runs to completion and returns the exit status, without holding a thread of the
    /// concurrency pool while it waits (in-process servers of other tests need those).
    public func run() async throws -> Int32 {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { [self] finished in
                drain()
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    public var standardOutput: String { lock.withLock { standardOutputText } }
    public var standardError: String { lock.withLock { standardErrorText } }

    /// Waits until standard error has a line containing `marker`, returning that line.
    public func waitForLine(containing marker: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = standardError.split(separator: "\n").first(where: { $0.contains(marker) }) { return String(line) }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure(message: "no line containing '\(marker)'; stderr was:\n\(standardError)")
    }

    /// Sends `signal` and waits for the process to exit; returns the status and how long it took.
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> (status: Int32, elapsed: Duration) {
        let start = ContinuousClock.now
        kill(process.processIdentifier, signal)
        while process.isRunning {
            guard ContinuousClock.now - start < timeout else {
                process.terminate()
                throw ProcessFailure(message: "baton did not exit within \(timeout) of signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        drain()
        return (process.terminationStatus, ContinuousClock.now - start)
    }

    private func drain() {
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
        let restOut = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let restErr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        lock.withLock {
            standardOutputText += restOut
            standardErrorText += restErr
        }
    }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
