import BatonA2A
import BatonCore

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

    /// `task` as it stands after this event.
    func applied(to task: A2ATask) -> A2ATask {
        var task = task
        switch self {
        case .task(let whole): task = whole
        case .status(_, _, let status): task.status = status
        case .artifact(_, _, let artifact): task.artifacts = (task.artifacts ?? []) + [artifact]
        }
        return task
    }

    /// Whether the stream ends after this event: a status that is terminal or interrupted.
    var endsStream: Bool {
        guard case .status(_, _, let status) = self else { return false }
        return status.state.isTerminal || status.state.isInterrupted
    }
}
