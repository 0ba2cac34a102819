import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `DATA_DIR/baton.pid`: the running daemon's process id, for `baton reload`.
struct PIDFile: Sendable {
    let path: String

    init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent("baton.pid")
    }

    func write() {
        FileManager.default.createFile(atPath: path, contents: Data("\(getpid())\n".utf8), attributes: [.posixPermissions: 0o600])
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The process id written there, when that process still runs.
    func runningProcess() -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            pid > 1, kill(pid, 0) == 0
        else { return nil }
        return pid
    }
}
