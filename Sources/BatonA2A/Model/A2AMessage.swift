import BatonCore

/// Who sent a message: the user's side or the agent's.
public enum A2ARole: String, Codable, Sendable {
    case user = "ROLE_USER"
    case agent = "ROLE_AGENT"
}

/// One turn of a conversation (A2A `Message`), as ProtoJSON: camelCase names, enums as
/// their full names, absent fields left out.
public struct A2AMessage: Codable, Sendable, Equatable {
    public var messageId: String
    public var contextId: String?
    public var taskId: String?
    public var role: A2ARole
    public var parts: [A2APart]
    public var metadata: JSONValue?
    public var extensions: [String]?
    public var referenceTaskIds: [String]?

    public init(
        messageId: String, contextId: String? = nil, taskId: String? = nil, role: A2ARole, parts: [A2APart], metadata: JSONValue? = nil
    ) {
        self.messageId = messageId
        self.contextId = contextId
        self.taskId = taskId
        self.role = role
        self.parts = parts
        self.metadata = metadata
    }

    /// The text of its text parts, joined by newlines.
    public var text: String {
        parts.compactMap(\.text).joined(separator: "\n")
    }
}

/// A piece of a message or artifact: exactly one of text, raw bytes (base64), a URL or
/// structured data.
public struct A2APart: Codable, Sendable, Equatable {
    public var text: String?
    public var raw: String?
    public var url: String?
    public var data: JSONValue?
    public var metadata: JSONValue?
    public var filename: String?
    public var mediaType: String?

    public static func text(_ text: String) -> A2APart {
        A2APart(text: text)
    }

    public static func data(_ data: JSONValue) -> A2APart {
        A2APart(data: data, mediaType: "application/json")
    }

    init(text: String? = nil, data: JSONValue? = nil, mediaType: String? = nil) {
        self.text = text
        self.data = data
        self.mediaType = mediaType
    }

    /// How many of the content fields are set; a valid part has exactly one.
    public var contentCount: Int {
        [text != nil, raw != nil, url != nil, data != nil].filter { $0 }.count
    }
}
