import ArgumentParser
import Foundation
import Logging

/// `baton demo`: the seed's story on a laptop, with no cloud account.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole story locally: Jane's incidents through concierge → triage → itsm → ServiceNow, as Jane.",
        discussion: """
            Starts the dev identity provider, the ServiceNow emulator and the daemon in this process on free loopback \
            ports, with the shipped agents/ mesh and a fresh data directory; signs Jane in; shows her incidents, what \
            ServiceNow hid from her, the HR partner's view, an update that names Jane in sys_updated_by, the audit \
            chain and its verification. Exit status 0 when every step did what it should.
            """
    )

    @Flag(name: .long, help: "Leave the stack running afterwards and print how to use it (Ctrl-C stops it).")
    var keep = false

    @Option(name: .long, help: "Keep the vault, ledger and emulator data here instead of a temporary directory.")
    var dataDir: String?

    @OptionGroup var files: StackOptions

    func run() async throws {
        try await reportingFailures {
            let temporary = dataDir == nil
            let directory = dataDir ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("baton-demo-\(UUID().uuidString.prefix(8))")
            defer { if temporary, !keep { try? FileManager.default.removeItem(atPath: directory) } }
            LoggingBootstrap.install(.init(level: .warning))
            let out = { @Sendable (line: String) in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
            out("Baton demo: an agent chain that acts as the user")
            let stack = files.stack(dataDirectory: directory, logger: Logger(label: "baton.demo"))
            let started = ContinuousClock.now
            try await stack.run { running in
                out("  dev identity provider  \(running.endpoints.idp)")
                out("  ServiceNow emulator    \(running.endpoints.servicenow)")
                out("  Baton daemon           \(running.endpoints.baton)   data: \(directory)")
                try await DemoScript(stack: running, tenantFile: files.tenant, print: out).run()
                out(
                    "\nDone in \(String(format: "%.1f", (ContinuousClock.now - started).timeInterval)) s: every hop acted as Jane, ServiceNow's ACLs applied to her, and the ledger names her at every hop."
                )
                if dataDir != nil {
                    out(
                        "The stores are kept in \(directory): BATON_STORAGE_DATA_DIR=\(directory) baton audit list; baton vault list works the same way."
                    )
                }
                if keep {
                    out(DevUpCommand.usage(running.endpoints, dataDirectory: directory))
                    await ShutdownSignal.wait()
                }
            }
        }
    }
}
