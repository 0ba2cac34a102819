import ArgumentParser
import Foundation
import Logging

/// `baton dev up`: the demo's stack as a long-running process for manual use.
struct DevUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the dev identity provider, the ServiceNow emulator, the dev model and the daemon together until Ctrl-C.",
        discussion:
            "Prints each service's URL and writes them to DATA_DIR/endpoints.json for scripts; `baton dev token --user U` then signs in at this stack."
    )

    @Option(name: .long, help: "The data directory (vault, ledger, emulator data, endpoints.json).")
    var dataDir = "./.baton"

    @OptionGroup var files: StackOptions

    func run() async throws {
        try await reportingFailures {
            LoggingBootstrap.install(.init())
            let stack = files.stack(dataDirectory: dataDir, logger: Logger(label: "baton.dev"))
            try await stack.run { running in
                let file = (dataDir as NSString).appendingPathComponent("endpoints.json")
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                // 0600 like everything else Baton writes: it names the stack's ports and the dev CA.
                guard
                    FileManager.default.createFile(
                        atPath: file, contents: try encoder.encode(running.endpoints), attributes: [.posixPermissions: 0o600])
                else { throw CommandFailure(message: "cannot write \(file)") }
                FileHandle.standardOutput.write(Data((Self.usage(running.endpoints, dataDirectory: dataDir) + "\n").utf8))
                await ShutdownSignal.wait()
                try? FileManager.default.removeItem(atPath: file)
            }
        }
    }

    /// The URLs and how to use them.
    static func usage(_ endpoints: DevStack.Endpoints, dataDirectory: String) -> String {
        """

        The stack is running (Ctrl-C stops it):
          identity provider  \(endpoints.idp)/\(endpoints.tenant)   (discovery: …/v2.0/.well-known/openid-configuration)
          ServiceNow         \(endpoints.servicenow)/api/now/table/incident
          Baton              \(endpoints.baton)\(endpoints.agentcore.map { "\n  AgentCore Identity \($0)   (BEDROCK_AGENTCORE_DP_ENDPOINT; dev key AKIABATONDEVSNOW0001, see workloads/)" } ?? "")\(endpoints.model.map { "\n  dev model          \($0)   (AWS_ENDPOINT_URL_BEDROCK_RUNTIME; OpenAI-compatible under \($0)/v1)" } ?? "")\(endpoints.agentcoreAgent.map { "\n  AgentCore agent    \($0)   (the seed's Strands agent, examples/agentcore: sign in with --scope api://\($0)/access_as_user)" } ?? "")
          audit console      \(endpoints.baton)/console   (sign in as audrey@contoso.com / audrey-dev-password, an auditor, or as jane@contoso.com / jane-dev-password)
          endpoints.json     \((dataDirectory as NSString).appendingPathComponent("endpoints.json"))

        Try:
          TOKEN=$(baton dev token --user jane@contoso.com --idp \(endpoints.idp))
          curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
               -d '{"input":"Show me 5 incidents assigned to me"}' \(endpoints.baton)/v1/agents/concierge/invoke
          baton invoke --url \(endpoints.baton) --idp \(endpoints.idp) --user jane@contoso.com "Show me 5 incidents assigned to me"
          curl -s -H "Authorization: Bearer $TOKEN" \(endpoints.baton)/v1/audit
          baton doctor servicenow --user jane@contoso.com --idp \(endpoints.idp)    # with BATON_SERVICENOW_URL=\(endpoints.servicenow)
        """
    }
}

/// Waits for SIGINT or SIGTERM.
enum ShutdownSignal {
    static func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = ResumeOnce(continuation)
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
                source.setEventHandler { resumed.resume() }
                source.resume()
                ResumeOnce.keep(source)
            }
        }
    }
}

/// Resumes a continuation once, whichever signal comes first.
final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation = continuation
    }

    func resume() {
        lock.withLock {
            continuation?.resume()
            continuation = nil
        }
    }

    static func keep(_ source: any DispatchSourceSignal) {
        sources.append(source)
    }
}
