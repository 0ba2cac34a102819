import AsyncHTTPClient
import BatonCore
import Foundation
import Logging
internal import NIOCore

/// Calls AgentCore Runtime apps the way AgentCore Runtime does: `POST /invocations` with
/// the JSON payload (`{"prompt": …}`), the workload access token in `WorkloadAccessToken`
/// (which `BedrockAgentCoreApp` puts where `IdentityClient` and `@requires_access_token`
/// find it) and the session in `X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`; the answer
/// read as server-sent events or JSON, as the app gives it. The user's own token never goes
/// to the app: it gets a workload access token, and asks Baton for what it needs.
///
/// Apps defined by a `command` are started on first use (``AgentCoreAppProcess``), again
/// when they have exited, and stopped by ``stop()``.
public actor AgentCoreAppClient {
    /// The whole environment of a command Baton starts for `app` (never Baton's own, which
    /// holds the vault key and every agent's secret): where the AgentCore Identity data
    /// plane and the downstream gateways are, and the workload's credentials; `nil` while
    /// the daemon cannot say where it listens, when no app may start (the SDK would fall
    /// back to AWS itself).
    public typealias LaunchEnvironment = @Sendable (_ app: AgentCoreAppSettings) async -> [String: String]?

    static let sessionHeader = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
    static let requestHeader = "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id"
    static let workloadTokenHeader = "WorkloadAccessToken"
    static let maximumAnswer = 16 << 20

    private let client: HTTPClient
    private let launchEnvironment: LaunchEnvironment
    private let logger: Logger
    private var processes: [String: AgentCoreAppProcess] = [:]
    private var starting: [String: Task<Result<AgentCoreAppProcess, AgentError>, Never>] = [:]
    /// Set by ``stop()``: no app starts afterwards.
    private var stopped = false

    public init(
        client: HTTPClient = .shared, launchEnvironment: @escaping LaunchEnvironment = { _ in nil },
        logger: Logger = Logger(label: "baton.agentcore")
    ) {
        self.client = client
        self.launchEnvironment = launchEnvironment
        self.logger = logger
    }

    /// Sends `input` to `agent`'s app with `workloadToken`, in the session of `position`'s
    /// chain; its answer, or an ``AgentError`` naming the agent (never a token).
    func invoke(
        agent: String, app: AgentCoreAppSettings, input: String, workloadToken: Secret, position: ChainPosition, timeout: Duration
    ) async throws(AgentError) -> AgentAnswer {
        let base = try await baseURL(of: agent, app: app)
        var request = HTTPClientRequest(url: "\(base)/invocations")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream, application/json")
        request.headers.add(name: Self.workloadTokenHeader, value: workloadToken.revealed)
        request.headers.add(name: Self.sessionHeader, value: position.chainID)
        request.headers.add(name: Self.requestHeader, value: UUIDv7.make())
        for (name, value) in position.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: JSONValue.object(["prompt": .string(input)]).serialized))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .init(timeout))
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the AgentCore app at \(base) could not be reached: \(error)")
        }
        let streamed = response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("text/event-stream") == true
        let answer = streamed ? try await Self.readStream(response, agent: agent) : try await Self.readJSON(response, agent: agent)
        return AgentAnswer(text: answer.text, data: answer.data, chainID: position.chainID, hops: [])
    }

    /// Whether the app at `base` answers `GET /ping` with 200.
    static func ping(_ base: String, client: HTTPClient) async -> Bool {
        let request = HTTPClientRequest(url: "\(base)/ping")
        guard let response = try? await client.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return response.status == .ok
    }

    /// Stops every app Baton started, those still starting included; none starts afterwards.
    public func stop() async {
        stopped = true
        let pending = starting.values
        for task in pending { _ = await task.value }
        let running = processes.values
        processes = [:]
        for process in running { await process.stop() }
    }

    // MARK: - Where the app is

    /// The app's base URL: its `url`, or that of its process — started (once, however many
    /// hops ask at the same time) when it is not running.
    private func baseURL(of agent: String, app: AgentCoreAppSettings) async throws(AgentError) -> String {
        switch app.location {
        case .url(let url):
            return url
        case .command(let arguments, let directory, let port):
            if let process = processes[agent], process.isRunning { return process.baseURL }
            if let pending = starting[agent] { return try await pending.value.get().baseURL }
            guard !stopped else { throw .remoteFailed(agent: agent, status: 503, message: "the daemon is shutting down") }
            // Registered before the first suspension, so that hops arriving meanwhile wait for this start.
            let task = Task { [client, logger, launchEnvironment] () async -> Result<AgentCoreAppProcess, AgentError> in
                guard let variables = await launchEnvironment(app) else {
                    return .failure(.remoteFailed(agent: agent, status: 503, message: "the daemon does not know its own URL yet"))
                }
                do throws(AgentError) {
                    return .success(
                        try await AgentCoreAppProcess.start(
                            agent: agent, arguments: arguments, directory: directory, port: port,
                            environment: variables.merging(app.environment) { $1 }, readyTimeout: app.readyTimeout, client: client,
                            logger: logger))
                } catch {
                    return .failure(error)
                }
            }
            starting[agent] = task
            let result = await task.value
            starting[agent] = nil
            let process = try result.get()
            guard !stopped else {
                // The daemon stopped while it started: it does not outlive the daemon.
                await process.stop()
                throw .remoteFailed(agent: agent, status: 503, message: "the daemon is shutting down")
            }
            processes[agent] = process
            return process.baseURL
        }
    }

    // MARK: - Reading the answer

    /// Server-sent events, each `data:` a JSON value: strings are the answer's text, in
    /// order; an object with `error` ends it as a failure; other values are kept as data.
    private static func readStream(_ response: HTTPClientResponse, agent: String) async throws(AgentError) -> (text: String, data: JSONValue?) {
        guard response.status == .ok else { throw failure(status: Int(response.status.code), body: "", agent: agent) }
        var decoder = EventStreamDecoder(maximumEventBytes: maximumAnswer)
        var text = ""
        var data: [JSONValue] = []
        do {
            for try await chunk in response.body {
                for event in try decoder.feed(chunk.readableBytesView) {
                    guard let value = try? JSONValue(parsing: Array(event.data.utf8)) else {
                        text += event.data
                        continue
                    }
                    if case .string(let part) = value {
                        text += part
                    } else if let message = value.objectValue?["error"]?.stringValue {
                        throw AgentError.remoteFailed(agent: agent, status: 502, message: "the AgentCore app failed: \(message)")
                    } else {
                        data.append(value)
                    }
                }
            }
        } catch let error as AgentError {
            throw error
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the AgentCore app's stream broke: \(error)")
        }
        return (text, data.isEmpty ? nil : data.count == 1 ? data[0] : .array(data))
    }

    /// A JSON answer: a string is the text; an object's `result`, `response`, `output` or
    /// `text` string is, and the object is kept as data.
    private static func readJSON(_ response: HTTPClientResponse, agent: String) async throws(AgentError) -> (text: String, data: JSONValue?) {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: maximumAnswer)
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the AgentCore app's answer could not be read: \(error)")
        }
        let text = String(buffer: body)
        guard response.status == .ok else { throw failure(status: Int(response.status.code), body: text, agent: agent) }
        guard let value = try? JSONValue(parsing: Array(body.readableBytesView)) else {
            throw .remoteFailed(agent: agent, status: 502, message: "the AgentCore app answered something that is not JSON")
        }
        if case .string(let answer) = value { return (answer, nil) }
        let object = value.objectValue ?? [:]
        let answer = ["result", "response", "output", "text"].lazy.compactMap { object[$0]?.stringValue }.first
        return (answer ?? "", value)
    }

    private static func failure(status: Int, body: String, agent: String) -> AgentError {
        let said = (try? JSONValue(parsing: Array(body.utf8)))?.objectValue?["error"]?.stringValue
        return .remoteFailed(agent: agent, status: 502, message: "the AgentCore app answered HTTP \(status)\(said.map { ": \($0)" } ?? "")")
    }
}
