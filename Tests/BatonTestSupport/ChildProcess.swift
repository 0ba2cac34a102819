import Foundation

/// A program run to its end as a child of the test (the interop clients): its exit status
/// and everything it printed, standard output and error together.
public enum ChildProcess {
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (
        status: Int32, output: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = await Task.detached { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
