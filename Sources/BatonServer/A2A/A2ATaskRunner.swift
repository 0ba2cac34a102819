import BatonA2A
import BatonAgents
import BatonCore
import Foundation

/// Runs what an A2A client sends: a task per message, stored at every state change,
/// carried out as a chain at the agent, and ended in the A2A state that says what happened.
///
/// A claims challenge at any hop (MFA, consent) ends the task in `TASK_STATE_AUTH_REQUIRED`
/// with the challenge in its status; a policy denial in `TASK_STATE_REJECTED`; any other
/// failure in `TASK_STATE_FAILED` with the reason (never a token).
struct A2ATaskRunner: Sendable {
    let runtime: AgentRuntime
    let store: any A2ATaskStore
    let running: RunningTasks

    /// What became of a message: the task, and the challenge when the user must do more.
    struct Outcome: Sendable {
        var task: A2ATask
        var challenge: AgentError?
        /// The task's JSON as it was stored, for the answer to send as it is.
        var json: [UInt8] = []
    }

    /// Where a task's progress goes as it happens (the streaming methods' events).
    typealias Progress = @Sendable (A2AStreamEvent) -> Void

    /// Creates (or resumes) the task for `message`, runs it at `agent`, and returns it ended
    /// (or interrupted). With `progress` (the streaming methods) the task is stored at once,
    /// can be followed and canceled while it runs, and its events go to `progress` as they happen.
    func send(
        _ message: A2AMessage, to agent: String, token: Secret, caller: VerifiedCaller, traceID: String?, joining position: ChainPosition? = nil,
        progress: Progress? = nil
    ) async throws(A2AError) -> Outcome {
        try Self.validate(message)
        // A streaming client learns the task's id at once and may ask for it while it runs,
        // so its task is stored before the chain starts; a blocking client learns it only
        // from the answer, so its task is stored once, ended.
        let record = try await prepare(message, agent: agent, caller: caller.principal.chainUser, storeNow: progress != nil)
        return try await run(
            record, message: message, token: token, caller: caller, traceID: traceID, joining: position, followable: progress != nil,
            progress: progress)
    }

    /// Stores the task for `message` and runs it in the background (`returnImmediately`):
    /// the task as it starts, which the client follows with `GetTask` or `SubscribeToTask`.
    func start(
        _ message: A2AMessage, to agent: String, token: Secret, caller: VerifiedCaller, traceID: String?, joining position: ChainPosition? = nil
    ) async throws(A2AError) -> A2ATask {
        try Self.validate(message)
        let record = try await prepare(message, agent: agent, caller: caller.principal.chainUser, storeNow: true)
        Task {
            // A failure to store the end leaves the task working until the next start ends it.
            _ = try? await run(
                record, message: message, token: token, caller: caller, traceID: traceID, joining: position, followable: true, progress: nil)
        }
        return record.task
    }

    /// Runs a prepared task's chain and stores how it ended.
    private func run(
        _ prepared: A2ATaskRecord, message: A2AMessage, token: Secret, caller: VerifiedCaller, traceID: String?, joining position: ChainPosition?,
        followable: Bool, progress: Progress?
    ) async throws(A2AError) -> Outcome {
        var record = prepared
        let id = record.task.id
        let contextID = record.task.contextId
        let snapshot = record.task
        // Subscribers see the events in order: they pass through one relay. A blocking
        // SendMessage has neither subscribers nor a stream, so its steps are not even built.
        let relay = followable ? RunRelay(running: running, id: id) : nil
        let emit: Progress = { event in
            progress?(event)
            relay?.sink.yield(event)
        }
        // The task and its start go out before any step of the chain can.
        emit(.task(record.task))
        emit(.status(taskID: id, contextID: contextID, A2ATaskStatus(state: .working)))
        let followed: AgentRuntime.EventSink = { event in emit(.status(taskID: id, contextID: contextID, Self.working(event, snapshot))) }
        let steps = followable ? followed : nil
        let chain = { @Sendable () async -> Result<AgentAnswer, AgentError> in
            do throws(AgentError) {
                return .success(
                    try await runtime.invoke(
                        agent: prepared.agent, input: message.text, token: token, joining: position, traceID: traceID, events: steps, caller: caller))
            } catch {
                return .failure(error)
            }
        }
        let result: Result<AgentAnswer, AgentError>
        var canceled = false
        if followable {
            // Only a task a client can know while it runs (stored at its start) can be
            // canceled or followed, so only its chain runs as a task of its own; a blocking
            // SendMessage's id is first seen in its answer, and its chain runs right here.
            let work = Task(operation: chain)
            await running.add(id, task: record.task, cancel: { work.cancel() })
            result = await work.value
            canceled = work.isCancelled
        } else {
            result = await chain()
        }
        var outcome = finish(&record, with: result, canceled: canceled)
        let saved: Result<Void, A2AError>
        do throws(A2AError) {
            outcome.json = try await save(&record)
            saved = .success(())
        } catch {
            saved = .failure(error)
        }
        if case .success = saved {
            if let artifact = record.task.artifacts?.last, outcome.challenge == nil {
                emit(.artifact(taskID: id, contextID: contextID, artifact))
            }
            emit(.status(taskID: id, contextID: contextID, record.task.status))
        }
        await relay?.finish()
        // After the save: a CancelTask waiting for this run finds the task as it ended.
        if followable { await running.remove(id) }
        try saved.get()
        return outcome
    }

    // MARK: - Steps

    /// A message is valid when it has an id, comes from the user and carries text in parts
    /// that each hold exactly one kind of content.
    static func validate(_ message: A2AMessage) throws(A2AError) {
        guard !message.messageId.isEmpty else { throw .invalidParams("message.messageId is required") }
        guard message.role == .user else { throw .invalidParams("message.role must be ROLE_USER") }
        guard !message.parts.isEmpty else { throw .invalidParams("message.parts must hold at least one part") }
        if let index = message.parts.firstIndex(where: { $0.contentCount != 1 }) {
            throw .invalidParams("message.parts[\(index)] must hold exactly one of text, raw, url or data")
        }
        guard !message.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .contentTypeNotSupported("Baton agents take text: send the request in a text part")
        }
    }

    /// The new task for `message`, or the interrupted one it continues.
    private func prepare(_ message: A2AMessage, agent: String, caller: ChainUser, storeNow: Bool) async throws(A2AError) -> A2ATaskRecord {
        let now = Self.now()
        var message = message
        if let taskID = message.taskId {
            guard var record = try await load(taskID, owner: caller), record.agent == agent else {
                throw .taskNotFound("task \(taskID) was not found")
            }
            guard !record.task.status.state.isTerminal else {
                throw .unsupportedOperation("task \(taskID) is in terminal state \(record.task.status.state.rawValue)")
            }
            if let context = message.contextId, context != record.task.contextId {
                throw .invalidParams("message.contextId does not match task \(taskID)'s context")
            }
            message.contextId = record.task.contextId
            record.task.history = (record.task.history ?? []) + [record.task.status.message].compactMap { $0 } + [message]
            record.task.status = A2ATaskStatus(state: .working)
            try await save(&record)
            return record
        }
        // Time-ordered (UUIDv7): the task table's id index grows at one end, so a write
        // touches the pages the last one did instead of a random leaf.
        let id = UUIDv7.make()
        message.taskId = id
        message.contextId = message.contextId ?? UUIDv7.make()
        let task = A2ATask(id: id, contextId: message.contextId, status: A2ATaskStatus(state: .working), history: [message])
        var record = A2ATaskRecord(task: task, owner: caller, agent: agent, createdAt: now, updatedAt: now)
        if storeNow { try await save(&record) }
        return record
    }

    /// Ends the task as the chain ended, and says whether the user must answer a challenge.
    private func finish(_ record: inout A2ATaskRecord, with result: Result<AgentAnswer, AgentError>, canceled: Bool) -> Outcome {
        let task = record.task
        var challenge: AgentError?
        switch result {
        case .success(let answer):
            record.chainID = answer.chainID
            var parts = [A2APart.text(answer.text)]
            if let data = answer.data { parts.append(.data(data)) }
            record.task.artifacts = [A2AArtifact(artifactId: UUIDv7.make(), name: "answer", parts: parts)]
            record.task.metadata = ["batonChainId": .string(answer.chainID)]
            // The answer is the artifact; the status does not repeat it (a smaller task to
            // store and send).
            record.task.status = A2ATaskStatus(state: .completed)
        case .failure where canceled:
            record.task.status = A2ATaskStatus(state: .canceled, message: task.agentMessage("the task was canceled", metadata: ["code": "canceled"]))
        case .failure(.claimsChallenge(let claims, let message)):
            challenge = .claimsChallenge(claims: claims, message: message)
            record.task.status = A2ATaskStatus(
                state: .authRequired, message: task.agentMessage(message, metadata: ["claims": .string(claims), "code": "claims_challenge"]))
        case .failure(.denied(let denial, let message)):
            record.task.status = A2ATaskStatus(state: .rejected, message: task.agentMessage(message, metadata: ["code": .string(denial.rawValue)]))
        case .failure(let error):
            record.task.status = A2ATaskStatus(state: .failed, message: task.agentMessage(error.description, metadata: ["code": .string(error.code)]))
        }
        return Outcome(task: record.task, challenge: challenge)
    }

    /// A chain's step as a `TASK_STATE_WORKING` status with what happened.
    private static func working(_ event: AgentEvent, _ task: A2ATask) -> A2ATaskStatus {
        let text = ([event.name] + event.fields.sorted { $0.key < $1.key }.compactMap { $0.value.stringValue }).joined(separator: " ")
        return A2ATaskStatus(
            state: .working,
            message: A2AMessage(
                messageId: UUIDv7.make(), contextId: task.contextId, taskId: task.id, role: .agent, parts: [.text(text)],
                metadata: ["batonEvent": .object(event.fields.merging(["event": .string(event.name)]) { $1 })]))
    }

    // MARK: - The store

    func load(_ id: String, owner: ChainUser) async throws(A2AError) -> A2ATaskRecord? {
        do {
            return try await store.task(id: id, owner: owner)
        } catch {
            throw .internalError("the task store could not be read; try again")
        }
    }

    /// Stores the task as it stands now; its JSON, serialized once for the store and the answer.
    @discardableResult
    func save(_ record: inout A2ATaskRecord) async throws(A2AError) -> [UInt8] {
        record.updatedAt = max(Self.now(), record.updatedAt)
        let json = record.task.json.serialized
        do {
            try await store.save(record, json: json)
            return json
        } catch {
            throw .internalError("the task store could not be written; try again")
        }
    }

    static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

/// The ordered path of one followable run's events to its subscribers.
private struct RunRelay: Sendable {
    let sink: AsyncStream<A2AStreamEvent>.Continuation
    private let forwarding: Task<Void, Never>

    init(running: RunningTasks, id: String) {
        let (feed, sink) = AsyncStream.makeStream(of: A2AStreamEvent.self)
        self.sink = sink
        forwarding = Task { for await event in feed { await running.publish(event, of: id) } }
    }

    /// Waits until every event emitted so far has been passed on.
    func finish() async {
        sink.finish()
        await forwarding.value
    }
}
