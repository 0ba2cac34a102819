import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `baton reload`: asks the running daemon to read its configuration, agents and connectors again (SIGHUP).
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Ask the running daemon (DATA_DIR/baton.pid) to reload its agents and connectors, as SIGHUP does.",
        discussion: """
            A definition that fails validation is refused with its file and field in the daemon's log, and the running set \
            stays in force; chains in flight finish on the definitions they started with. The ledger records each reload.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingFailures {
            let dataDirectory = try options.load().configuration.storage.dataDirectory
            let pidFile = PIDFile(dataDirectory: dataDirectory)
            guard let pid = pidFile.runningProcess() else {
                throw CommandFailure(message: "no running daemon: \(pidFile.path) is missing or names no live process")
            }
            guard kill(pid, SIGHUP) == 0 else {
                throw CommandFailure(message: "could not signal process \(pid): \(String(cString: strerror(errno)))")
            }
            print("asked baton serve (pid \(pid)) to reload; its log says what changed, or which file and field it refused")
        }
    }
}
