import BatonCore
import Foundation

/// A real C2SP tlog-witness (`aics-witness`, nobody on this team wrote it) on a loopback
/// port, with its own key and database in `directory`, witnessing one log.
public final class WitnessProcess: Sendable {
    public let process: SpawnedProcess
    /// The submission prefix (`<url>/add-checkpoint`).
    public let url: String
    /// Its cosignature verifier key.
    public let key: String

    /// Creates the witness, registers the log named `origin` with key `logKey`, and starts it.
    public init(in directory: String, name: String, origin: String, logKey: String) async throws {
        let python = try InteropVirtualenv.python("tlog", overriddenBy: "BATON_TLOG_PYTHON")
        let config = directory + "/witness.json"
        let (initStatus, initOutput) = try await ChildProcess.run(
            python, ["-m", "aics_witness", "init", "--config", config, "--name", name, "--listen", "127.0.0.1:0"], environment: [:])
        guard initStatus == 0, let key = initOutput.split(separator: "\n").first(where: { $0.hasPrefix(name + "+") }) else {
            throw ProcessFailure(message: "aics-witness init failed: \(initOutput)")
        }
        let (addStatus, addOutput) = try await ChildProcess.run(
            python, ["-m", "aics_witness", "add-log", "--config", config, "--origin", origin, "--vkey", logKey], environment: [:])
        guard addStatus == 0 else { throw ProcessFailure(message: "aics-witness add-log failed: \(addOutput)") }
        self.key = String(key)
        process = try SpawnedProcess(python, ["-m", "aics_witness", "serve", "--config", config], adding: [:], mergingErrors: true)
        let listening = try await process.line(
            where: { $0.contains("listening on http://") }, description: "naming its address", timeout: .seconds(30))
        guard let start = listening.range(of: "http://") else { throw ProcessFailure(message: listening) }
        url = String(listening[start.lowerBound...].prefix { !$0.isWhitespace })
    }

    /// Runs `body` with a witness started as ``init(in:name:origin:logKey:)``, and stops it however `body` ends.
    public static func with<T>(
        in directory: String, name: String, origin: String, logKey: String, _ body: (WitnessProcess) async throws -> T
    ) async throws -> T {
        let witness = try await WitnessProcess(in: directory, name: name, origin: origin, logKey: logKey)
        do {
            let result = try await body(witness)
            await witness.stop()
            return result
        } catch {
            await witness.stop()
            throw error
        }
    }

    /// Stops the witness.
    public func stop() async {
        process.signal(SIGTERM)
        _ = await process.exit()
    }
}
