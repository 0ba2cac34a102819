import BatonCore

extension ModelConversation {
    /// An OpenAI `/chat/completions` request body: `messages` whose `content` is a string or
    /// a list of parts, tool results as `tool` messages, and `tools[].function {name, parameters}`.
    init(chatCompletions body: JSONValue) throws(JSONShapeError) {
        let request = try JSONFields(body, path: "")
        var messages: [Message] = []
        for chat in try request.array("messages", of: ChatMessage.self) {
            switch chat.role {
            case .system, .developer:
                continue
            case .user:
                messages.append(Message(role: .user, texts: chat.texts))
            case .assistant:
                messages.append(Message(role: .assistant, texts: chat.texts))
            case .tool:
                let result = chat.texts.joined(separator: "\n")
                // Parallel calls come back as one `tool` message each; they are one turn, as in Bedrock.
                if let previous = messages.last, previous.role == .user, previous.texts.isEmpty, !previous.toolResults.isEmpty {
                    messages[messages.count - 1].toolResults.append(result)
                } else {
                    messages.append(Message(role: .user, toolResults: [result]))
                }
            }
        }
        let tools = try request.array(ifPresent: "tools", of: ChatTool.self) ?? []
        self.init(messages: messages, tools: Dictionary(tools.map { ($0.name, $0.parameters) }) { first, _ in first })
    }
}

private struct ChatMessage: JSONReadable {
    enum Role: String {
        case system, developer, user, assistant, tool
    }

    let role: Role
    /// `content` as text: the string, or the `text` parts of a list; none for `null`.
    let texts: [String]

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        role = try fields.enumeration("role")
        switch fields.value(ifPresent: "content") {
        case nil: texts = []
        case .string(let text)?: texts = text.isEmpty ? [] : [text]
        case .array?: texts = try fields.array("content", of: ChatContentPart.self).compactMap(\.text)
        default: throw JSONShapeError(path: fields.path(of: "content"), problem: .wrongType)
        }
    }
}

/// A part of a list `content`; only `text` parts carry anything a rule reads.
private struct ChatContentPart: JSONReadable {
    let text: String?

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        text = try fields.string("type") == "text" ? fields.string("text") : nil
    }
}

/// One of `tools`: `{"type": "function", "function": {name, description, parameters}}`.
private struct ChatTool: JSONReadable {
    let name: String
    let parameters: JSONValue

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        let function = try JSONFields(fields.value("function"), path: fields.path(of: "function"))
        name = try function.string("name")
        parameters = function.value(ifPresent: "parameters") ?? .object([:])
    }
}
