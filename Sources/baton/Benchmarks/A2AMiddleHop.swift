import BatonCore
import BatonDevKit
import Foundation

/// The a2a-sdk fixture agent (`Tests/BatonServerTests/Interop/a2a_echo_agent.py`) as the
/// middle hop of a chain — concierge → triage → the a2a-sdk agent → itsm over A2A — for
/// `baton bench chain`. It runs in the virtualenv `scripts/interop-clients` builds.
struct A2AMiddleHop: Sendable {
    let python: String
    let script: String
    /// The port it listens on, chosen before the daemon starts so that the mesh can name it.
    let port: Int

    static let agent = "a2a-echo"
    static let input = "forward: show me 5 incidents assigned to me"

    /// The middle hop when its interpreter and script are here, with a free port.
    static func available(python: String, script: String) throws -> A2AMiddleHop? {
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else { return nil }
        return A2AMiddleHop(python: python, script: script, port: try LoopbackPort.free())
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The shipped mesh in `destination`, with triage handing "forward" requests to this agent.
    func mesh(from agents: String, to destination: String, clientID: String) throws -> String {
        try A2ADelegateMesh.write(
            from: agents, to: destination,
            delegates: [.init(name: Self.agent, url: url, match: #"(?i)\bforward\b"#, clientID: clientID, resource: "api://\(Self.agent)")])
    }

    /// Starts the agent against a running stack; stop it with ``Running/stop()``.
    func start(stack: DevStack.Running, tenant: DevTenant) async throws -> Running {
        guard let app = tenant.application(Self.agent), let secret = app.secrets.first else {
            throw CommandFailure(message: "the dev tenant has no app '\(Self.agent)' with a secret")
        }
        let idp = "\(stack.endpoints.idp)/\(stack.endpoints.tenant)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "PORT": "\(port)", "JWKS_URL": "\(idp)/discovery/v2.0/keys", "AUDIENCES": "\(app.appID),api://\(Self.agent)",
            "BATON_KEYS_URL": "\(stack.endpoints.baton)/.well-known/baton-keys.json", "FORWARD_TO": "\(stack.endpoints.baton)/a2a/itsm",
            "TOKEN_URL": "\(idp)/oauth2/v2.0/token", "CLIENT_ID": app.appID, "CLIENT_SECRET": secret.revealed,
            "FORWARD_SCOPE": "api://itsm/access_as_user",
        ]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Its first line says it listens; read off the concurrency pool, which the daemon needs.
        let ready = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let line = output.fileHandleForReading.availableData
                continuation.resume(returning: String(decoding: line, as: UTF8.self).hasPrefix("READY "))
            }
        }
        guard ready else {
            kill(process.processIdentifier, SIGKILL)
            throw CommandFailure(message: "the a2a-sdk agent \(script) did not start")
        }
        return Running(process: process)
    }

    /// The agent's process while it runs.
    final class Running: @unchecked Sendable {
        private let process: Process

        init(process: Process) {
            self.process = process
        }

        /// SIGKILL: a child of the daemon's process inherits its blocked SIGTERM.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
