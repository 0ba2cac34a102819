import AsyncHTTPClient
import BatonA2A
import BatonCore
import Foundation
internal import NIOCore

/// One message to an A2A agent's JSON-RPC interface and its task followed to the end, with
/// the hop's token as the bearer and the chain's trace headers on every request.
struct A2ATaskFollower: Sendable {
    let client: HTTPClient
    let timeout: Duration
    let agent: String
    let endpoint: String
    let token: Secret
    let position: ChainPosition
    /// The A2A extensions the requests activate.
    var extensions: [String] = []

    /// `SendMessage` with `returnImmediately` (so that the task's id is known at once; an
    /// agent that ignores it answers when done), then `GetTask` until the task ends — after
    /// 5 ms, then twice as long each time up to every 200 ms.
    func sendAndFollow(_ message: JSONValue, cancellation: RemoteTaskCancellation) async throws(AgentError) -> AgentAnswer {
        var result = try await call("SendMessage", params: ["message": message, "configuration": ["returnImmediately": true]])
        let deadline = ContinuousClock.now + timeout
        // Asked again soon at first, then less often: a quick task is not kept waiting.
        var pause = Duration.milliseconds(5)
        while true {
            if let reply = result.objectValue?["message"] { return answer(reply) }
            guard let taskJSON = result.objectValue?["task"] ?? (result.objectValue?["status"] != nil ? result : nil),
                let task = try? A2ATask(json: taskJSON, path: "")
            else {
                throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered something that is neither a task nor a message")
            }
            await cancellation.named(task.id)
            if let answer = try A2AAgentClient.outcome(of: task, agent: agent, chainID: position.chainID) { return answer }
            // Still running: follow it.
            guard ContinuousClock.now < deadline else { throw .timedOut(agent: agent, after: timeout) }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(200))
            guard !Task.isCancelled else { throw .canceled(agent: agent) }
            result = try await call("GetTask", params: ["id": .string(task.id)])
        }
    }

    /// `SendStreamingMessage`, read event by event until the task ends.
    func stream(_ message: JSONValue, cancellation: RemoteTaskCancellation) async throws(AgentError) -> AgentAnswer {
        let response = try await open("SendStreamingMessage", params: ["message": message])
        // An error before the stream starts comes as one JSON-RPC response.
        if response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("text/event-stream") != true {
            _ = try result(of: try await collect(response))
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered a stream request without a stream")
        }
        var decoder = EventStreamDecoder()
        var task: A2ATask?
        do {
            for try await chunk in response.body {
                for event in try decoder.feed(chunk.readableBytesView) {
                    let result = try result(of: ByteBuffer(string: event.data))
                    if let reply = result.objectValue?["message"] { return answer(reply) }
                    let followed = try following(task, with: result)
                    if task == nil { await cancellation.named(followed.id) }
                    task = followed
                    if let answer = try A2AAgentClient.outcome(of: followed, agent: agent, chainID: position.chainID) { return answer }
                }
            }
        } catch let error as AgentError {
            throw error
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's stream broke: \(error)")
        }
        throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's stream ended before its task did")
    }

    /// Asks the agent to cancel its task `id`; whatever it answers, the chain is canceled.
    func cancel(_ id: String, within limit: Duration) async {
        _ = try? await call("CancelTask", params: ["id": .string(id)], timeout: limit)
    }

    // MARK: - Reading the answers

    /// The task as a stream event leaves it: the task itself, a status update or an artifact.
    func following(_ task: A2ATask?, with result: JSONValue) throws(AgentError) -> A2ATask {
        func decode<T: JSONReadable>(_ type: T.Type, _ value: JSONValue?) -> T? {
            value.flatMap { try? T(json: $0, path: "") }
        }
        let object = result.objectValue ?? [:]
        if let whole = decode(A2ATask.self, object["task"]) { return whole }
        guard var task else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's stream did not start with its task")
        }
        if let update = object["statusUpdate"]?.objectValue, let status = decode(A2ATaskStatus.self, update["status"]) {
            task.status = status
        } else if let update = object["artifactUpdate"]?.objectValue, let artifact = decode(A2AArtifact.self, update["artifact"]) {
            task.artifacts = (task.artifacts ?? []) + [artifact]
        } else {
            throw .remoteFailed(
                agent: agent, status: 502, message: "the A2A agent streamed an event that is neither a task, a status nor an artifact")
        }
        return task
    }

    private func answer(_ reply: JSONValue) -> AgentAnswer {
        let text = (try? A2AMessage(json: reply, path: ""))?.text ?? ""
        return AgentAnswer(text: text, data: nil, chainID: position.chainID, hops: [])
    }

    // MARK: - JSON-RPC

    /// One JSON-RPC call; its `result`, or the error as an ``AgentError``.
    private func call(_ method: String, params: JSONValue, timeout: Duration? = nil) async throws(AgentError) -> JSONValue {
        let response = try await open(method, params: params, timeout: timeout)
        return try result(of: try await collect(response))
    }

    /// Sends one JSON-RPC request; the response once its status says it is the agent's answer.
    private func open(_ method: String, params: JSONValue, timeout: Duration? = nil) async throws(AgentError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: A2AProtocol.versionHeader, value: A2AProtocol.version)
        if !extensions.isEmpty { request.headers.add(name: A2AProtocol.extensionsHeader, value: extensions.joined(separator: ",")) }
        for (name, value) in position.headers { request.headers.add(name: name, value: value) }
        let body: JSONValue = ["jsonrpc": "2.0", "id": .string(UUIDv7.make()), "method": .string(method), "params": params]
        request.body = .bytes(ByteBuffer(bytes: body.serialized))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .init(timeout ?? self.timeout))
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent at \(endpoint) could not be reached: \(error)")
        }
        let status = Int(response.status.code)
        guard status == 200 else {
            if status == 401, let challenge = response.headers.first(name: "WWW-Authenticate"), let claims = RemoteAgentClient.claims(challenge) {
                throw .claimsChallenge(claims: claims, message: "\(agent) needs the user to satisfy a claims challenge")
            }
            // Busy or unavailable passes through (the caller may retry); anything else is a broken agent.
            throw .remoteFailed(agent: agent, status: [429, 503].contains(status) ? status : 502, message: "the A2A agent answered HTTP \(status)")
        }
        return response
    }

    private func collect(_ response: HTTPClientResponse) async throws(AgentError) -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: 16 << 20)
        } catch {
            if Task.isCancelled { throw .canceled(agent: agent) }
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's answer could not be read: \(error)")
        }
    }

    /// A JSON-RPC response's `result`, or its error as an ``AgentError``.
    private func result(of data: ByteBuffer) throws(AgentError) -> JSONValue {
        guard let response = try? JSONValue(parsing: data.readableBytesView), let object = response.objectValue else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered something that is not JSON-RPC")
        }
        if let error = object["error"]?.objectValue {
            let code = error["code"]?.integerValue.map(String.init) ?? "?"
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered error \(code): \(error["message"]?.stringValue ?? "")")
        }
        guard let result = object["result"] else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's JSON-RPC response has neither result nor error")
        }
        return result
    }
}
