import BatonCore
import Foundation

/// A program run to its end as a child of the test.
public enum ChildProcess {
    /// Runs `executable` in this environment plus `environment`; its exit status and its
    /// standard output and error together.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> (
        status: Int32, output: String
    ) {
        let process = try SpawnedProcess(executable, arguments, adding: environment, mergingErrors: true)
        let status = await process.exit()
        return (status, process.output)
    }
}
