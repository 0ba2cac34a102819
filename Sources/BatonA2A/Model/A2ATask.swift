import BatonCore
import Foundation

/// Where a task stands (A2A `TaskState`).
public enum A2ATaskState: String, Codable, Sendable, CaseIterable {
    case submitted = "TASK_STATE_SUBMITTED"
    case working = "TASK_STATE_WORKING"
    case completed = "TASK_STATE_COMPLETED"
    case failed = "TASK_STATE_FAILED"
    case canceled = "TASK_STATE_CANCELED"
    case inputRequired = "TASK_STATE_INPUT_REQUIRED"
    case rejected = "TASK_STATE_REJECTED"
    case authRequired = "TASK_STATE_AUTH_REQUIRED"

    /// Nothing more happens to a task in a terminal state.
    public var isTerminal: Bool {
        [.completed, .failed, .canceled, .rejected].contains(self)
    }

    /// The task waits for its client: a follow-up message with its id resumes it.
    public var isInterrupted: Bool {
        self == .inputRequired || self == .authRequired
    }
}

/// A task's state, the agent's message about it, and when it got there.
public struct A2ATaskStatus: Codable, Sendable, Equatable {
    public var state: A2ATaskState
    public var message: A2AMessage?
    /// RFC 3339 UTC.
    public var timestamp: String?

    public init(state: A2ATaskState, message: A2AMessage? = nil, at date: Date = Date()) {
        self.state = state
        self.message = message
        self.timestamp = A2ATimestamp.string(date)
    }
}

/// What an agent produced for a task.
public struct A2AArtifact: Codable, Sendable, Equatable {
    public var artifactId: String
    public var name: String?
    public var description: String?
    public var parts: [A2APart]
    public var metadata: JSONValue?

    public init(artifactId: String, name: String? = nil, parts: [A2APart], metadata: JSONValue? = nil) {
        self.artifactId = artifactId
        self.name = name
        self.parts = parts
        self.metadata = metadata
    }
}

/// A unit of work an A2A client asked an agent for (A2A `Task`).
public struct A2ATask: Codable, Sendable, Equatable {
    public var id: String
    public var contextId: String?
    public var status: A2ATaskStatus
    public var artifacts: [A2AArtifact]?
    public var history: [A2AMessage]?
    public var metadata: JSONValue?

    public init(
        id: String, contextId: String?, status: A2ATaskStatus, artifacts: [A2AArtifact]? = nil, history: [A2AMessage]? = nil,
        metadata: JSONValue? = nil
    ) {
        self.id = id
        self.contextId = contextId
        self.status = status
        self.artifacts = artifacts
        self.history = history
        self.metadata = metadata
    }

    /// The task with only the last `length` messages of its history (`nil`: all; 0: none).
    public func trimmingHistory(to length: Int?) -> A2ATask {
        guard let length else { return self }
        var task = self
        task.history = length == 0 ? nil : history.map { Array($0.suffix(length)) }
        return task
    }

    /// A message from the agent within this task (a status's explanation).
    public func agentMessage(_ text: String, metadata: JSONValue? = nil) -> A2AMessage {
        A2AMessage(
            messageId: UUIDv7.make(), contextId: contextId, taskId: id, role: .agent, parts: [.text(text)], metadata: metadata)
    }

    /// The task ended `TASK_STATE_FAILED` because the daemon running it stopped.
    public mutating func endInterruptedByStop() {
        status = A2ATaskStatus(
            state: .failed, message: agentMessage("the daemon stopped while this task ran; send the message again", metadata: ["code": "interrupted"])
        )
    }
}

/// RFC 3339 timestamps in UTC with microseconds, as ProtoJSON writes them.
enum A2ATimestamp {
    /// `2026-12-02T02:21:37.234277Z`, written by hand: a format style costs tens of
    /// microseconds a call, and every status change has a timestamp.
    static func string(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let micros = Int((interval - Double(seconds)) * 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micro = String(micros)
        return
            "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(String(repeating: "0", count: 6 - micro.count))\(micro)Z"
    }
}
