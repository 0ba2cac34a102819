import AsyncHTTPClient
import BatonCore
import Foundation
import Logging

/// An AgentCore app Baton started from its definition's `command`: the child process, the
/// port it was told to serve on (`PORT`), and whether it has answered `/ping` yet.
///
/// The process is started on the first hop that needs it, and again when it has exited;
/// `stop()` ends it when the daemon shuts down.
final class AgentCoreAppProcess: Sendable {
    let agent: String
    let baseURL: String
    private let process: SpawnedProcess

    /// Bytes of the app's output kept for the message when it fails to start.
    static let keptOutput = 16 * 1024

    private init(agent: String, baseURL: String, process: SpawnedProcess) {
        self.agent = agent
        self.baseURL = baseURL
        self.process = process
    }

    var isRunning: Bool { process.isRunning }

    /// Starts `arguments` in `directory` with `environment` (plus `PORT`), and waits until
    /// its `/ping` answers 200 — or it exits, or `readyTimeout` passes, which is an error
    /// naming the agent and the end of what the app wrote.
    static func start(
        agent: String, arguments: [String], directory: String, port requested: Int, environment: [String: String], readyTimeout: Duration,
        client: HTTPClient, logger: Logger
    ) async throws(AgentError) -> AgentCoreAppProcess {
        let port: Int
        do {
            port = requested == 0 ? try LoopbackPort.free() : requested
        } catch {
            throw .remoteFailed(agent: agent, status: 503, message: "no free loopback port for the AgentCore app")
        }
        var variables = environment
        variables["PORT"] = String(port)
        let executable = Self.resolve(arguments[0], in: directory, path: variables["PATH"])
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable, Array(arguments.dropFirst()), environment: variables, directory: directory, mergingErrors: true,
                keepingLast: keptOutput)
        } catch {
            throw .remoteFailed(agent: agent, status: 503, message: "the AgentCore app could not be started (\(executable)): \(error)")
        }
        let app = AgentCoreAppProcess(agent: agent, baseURL: "http://127.0.0.1:\(port)", process: process)
        logger.info("started the AgentCore app", metadata: ["agent": "\(agent)", "pid": "\(process.pid)", "port": "\(port)"])
        try await app.waitUntilReady(within: readyTimeout, client: client, logger: logger)
        return app
    }

    /// Ends the app: SIGTERM, and SIGKILL when it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        process.signal(SIGTERM)
        let exited = Task { _ = await process.exit() }
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        process.signal(SIGKILL)
        _ = await exited.value
    }

    private func waitUntilReady(within timeout: Duration, client: HTTPClient, logger: Logger) async throws(AgentError) {
        let deadline = ContinuousClock.now + timeout
        // Asked once more after the deadline has passed: on a starved machine the last sleep
        // can overrun it, and an app that is up by then is ready.
        var lastTry = false
        while !lastTry {
            lastTry = ContinuousClock.now >= deadline
            guard process.isRunning else {
                logger.error("the AgentCore app exited before it was ready", metadata: ["agent": "\(agent)", "output": "\(process.output)"])
                throw .remoteFailed(
                    agent: agent, status: 503, message: "the AgentCore app exited (status \(process.exitStatus ?? -1)) before answering /ping")
            }
            if await AgentCoreAppClient.ping(baseURL, client: client) { return }
            if !lastTry { try? await Task.sleep(for: .milliseconds(100)) }
        }
        await stop()
        logger.error("the AgentCore app was not ready in time", metadata: ["agent": "\(agent)", "output": "\(process.output)"])
        throw .remoteFailed(agent: agent, status: 503, message: "the AgentCore app did not answer /ping within \(timeout)")
    }

    /// `name` as an executable path: absolute, relative to `directory` when it has a slash, else looked up on `PATH`.
    static func resolve(_ name: String, in directory: String, path: String?) -> String {
        if name.hasPrefix("/") { return name }
        if name.contains("/") { return URL(fileURLWithPath: directory).appendingPathComponent(name).standardized.path }
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return name
    }
}
