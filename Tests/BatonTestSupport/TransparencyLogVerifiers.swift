import Foundation

/// The transparency-log verifiers nobody on this team wrote, as `scripts/interop-clients`
/// builds them: Go's `golang.org/x/mod/sumdb/{note,tlog}` in a small checker, and Python's
/// `aics-tlog`. A missing one is an error, never a skip.
public enum TransparencyLogVerifiers {
    /// The Go checker (`Tests/Interop/go/tlogcheck`), or `BATON_TLOGCHECK`.
    public static func goChecker() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["BATON_TLOGCHECK"] { return configured }
        let path = RepositoryPaths.path(".build/interop/tlogcheck")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropVirtualenv.Missing(description: "no Go tlog checker at \(path): run scripts/interop-clients first (.ci/run does)")
        }
        return path
    }

    /// Runs the Go checker; its exit status and output.
    public static func go(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ChildProcess.run(try goChecker(), arguments, environment: [:])
    }

    /// Runs `python -m aics_tlog …`; its exit status and its JSON verdict (`ok`, `error`).
    public static func aics(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let python = try InteropVirtualenv.python("tlog", overriddenBy: "BATON_TLOG_PYTHON")
        return try await ChildProcess.run(python, ["-m", "aics_tlog"] + arguments, environment: [:])
    }
}
