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
    }

    /// Where a task's progress goes as it happens (the streaming methods' events).
    typealias Progress = @Sendable (A2AStreamEvent) -> Void

    /// Creates (or resumes) the task for `message`, runs it at `agent`, and returns it finished.
    func send(
        _ message: A2AMessage, to agent: String, token: Secret, caller: ChainUser, traceID: String?, joining position: ChainPosition? = nil,
        progress: Progress? = nil
    ) async throws(A2AError) -> Outcome {
        try Self.validate(message)
        // A streaming client learns the task's id at once and may ask for it while it runs,
        // so its task is stored before the chain starts; a blocking client learns it only
        // from the answer, so its task is stored once, ended.
        var record = try await prepare(message, agent: agent, caller: caller, storeNow: progress != nil)
        let id = record.task.id
        let contextID = record.task.contextId
        let snapshot = record.task
        progress?(.task(record.task))
        progress?(.status(taskID: id, contextID: record.task.contextId, A2ATaskStatus(state: .working)))
        let work = Task { () -> Result<AgentAnswer, AgentError> in
            do throws(AgentError) {
                return .success(
                    try await runtime.invoke(
                        agent: agent, input: message.text, token: token, joining: position, traceID: traceID,
                        events: { event in progress?(.status(taskID: id, contextID: contextID, Self.working(event, snapshot))) }))
            } catch {
                return .failure(error)
            }
        }
        await running.add(id, cancel: { work.cancel() })
        let result = await work.value
        let outcome = finish(&record, with: result, canceled: work.isCancelled)
        let saved: Result<Void, A2AError>
        do throws(A2AError) {
            try await save(&record)
            saved = .success(())
        } catch {
            saved = .failure(error)
        }
        // After the save: a CancelTask waiting for this run finds the task as it ended.
        await running.remove(id)
        try saved.get()
        if let artifact = record.task.artifacts?.last, outcome.challenge == nil {
            progress?(.artifact(taskID: id, contextID: record.task.contextId, artifact))
        }
        progress?(.status(taskID: id, contextID: record.task.contextId, record.task.status))
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
        let id = UUID().uuidString.lowercased()
        message.taskId = id
        message.contextId = message.contextId ?? UUID().uuidString.lowercased()
        let task = A2ATask(id: id, contextId: message.contextId, status: A2ATaskStatus(state: .working), history: [message])
        var record = A2ATaskRecord(task: task, owner: caller, agent: agent, createdAt: now, updatedAt: now)
        if storeNow { try await save(&record) }
        return record
    }

    /// Ends the task as the chain ended, and says whether the user must answer a challenge.
    private func finish(_ record: inout A2ATaskRecord, with result: Result<AgentAnswer, AgentError>, canceled: Bool) -> Outcome {
        let task = record.task
        func agentMessage(_ text: String, metadata: JSONValue? = nil) -> A2AMessage {
            A2AMessage(
                messageId: UUID().uuidString.lowercased(), contextId: task.contextId, taskId: task.id, role: .agent, parts: [.text(text)],
                metadata: metadata)
        }
        var challenge: AgentError?
        switch result {
        case .success(let answer):
            record.chainID = answer.chainID
            var parts = [A2APart.text(answer.text)]
            if let data = answer.data { parts.append(.data(data)) }
            record.task.artifacts = [A2AArtifact(artifactId: UUID().uuidString.lowercased(), name: "answer", parts: parts)]
            record.task.metadata = ["batonChainId": .string(answer.chainID)]
            record.task.status = A2ATaskStatus(state: .completed, message: agentMessage(answer.text))
        case .failure(let error) where canceled:
            record.task.status = A2ATaskStatus(state: .canceled, message: agentMessage("the task was canceled: \(error.description)"))
        case .failure(.claimsChallenge(let claims, let message)):
            challenge = .claimsChallenge(claims: claims, message: message)
            record.task.status = A2ATaskStatus(
                state: .authRequired, message: agentMessage(message, metadata: ["claims": .string(claims), "code": "claims_challenge"]))
        case .failure(.denied(let denial, let message)):
            record.task.status = A2ATaskStatus(state: .rejected, message: agentMessage(message, metadata: ["code": .string(denial.rawValue)]))
        case .failure(let error):
            record.task.status = A2ATaskStatus(state: .failed, message: agentMessage(error.description, metadata: ["code": .string(error.code)]))
        }
        return Outcome(task: record.task, challenge: challenge)
    }

    /// A chain's step as a `TASK_STATE_WORKING` status with what happened.
    private static func working(_ event: AgentEvent, _ task: A2ATask) -> A2ATaskStatus {
        let text = ([event.name] + event.fields.sorted { $0.key < $1.key }.compactMap { $0.value.stringValue }).joined(separator: " ")
        return A2ATaskStatus(
            state: .working,
            message: A2AMessage(
                messageId: UUID().uuidString.lowercased(), contextId: task.contextId, taskId: task.id, role: .agent, parts: [.text(text)],
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

    func save(_ record: inout A2ATaskRecord) async throws(A2AError) {
        record.updatedAt = max(Self.now(), record.updatedAt)
        do {
            try await store.save(record)
        } catch {
            throw .internalError("the task store could not be written; try again")
        }
    }

    static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

/// One event of a streaming method: the task, a status change or an artifact.
enum A2AStreamEvent: Sendable {
    case task(A2ATask)
    case status(taskID: String, contextID: String?, A2ATaskStatus)
    case artifact(taskID: String, contextID: String?, A2AArtifact)

    /// The JSON-RPC result this event is sent as.
    var result: JSONValue {
        switch self {
        case .task(let task): ["task": task.json]
        case .status(let taskID, let contextID, let status):
            [
                "statusUpdate": [
                    "taskId": .string(taskID), "contextId": .string(contextID ?? ""), "status": status.json,
                ]
            ]
        case .artifact(let taskID, let contextID, let artifact):
            [
                "artifactUpdate": [
                    "taskId": .string(taskID), "contextId": .string(contextID ?? ""), "artifact": artifact.json,
                ]
            ]
        }
    }
}

/// The tasks running now, so that `CancelTask` can stop one and wait for its end.
actor RunningTasks {
    private struct Run {
        let cancel: @Sendable () -> Void
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private var runs: [String: Run] = [:]

    func add(_ id: String, cancel: @escaping @Sendable () -> Void) {
        runs[id] = Run(cancel: cancel)
    }

    /// The run of `id` has ended and its task is stored: wakes whoever waits for it.
    func remove(_ id: String) {
        for waiter in runs.removeValue(forKey: id)?.waiting ?? [] { waiter.resume() }
    }

    /// Cancels task `id` if it is running here and returns once its run has ended;
    /// whether it was running.
    func cancel(_ id: String) async -> Bool {
        guard let run = runs[id] else { return false }
        run.cancel()
        await withCheckedContinuation { runs[id]?.waiting.append($0) }
        return true
    }
}
