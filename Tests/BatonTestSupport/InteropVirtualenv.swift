import Foundation

/// The Python of one of the pinned virtualenvs `scripts/interop-clients` builds under
/// `.venv/` (or the interpreter an environment variable names). A missing one is an
/// error, never a skip: CI must run every real client.
public enum InteropVirtualenv {
    public static func python(_ name: String, overriddenBy variable: String) throws -> String {
        if let configured = ProcessInfo.processInfo.environment[variable] { return configured }
        let path = RepositoryPaths.path(".venv/\(name)/bin/python")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description: "no \(name) client at \(path): run scripts/interop-clients first (.ci/run does)")
        }
        return path
    }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }
}
