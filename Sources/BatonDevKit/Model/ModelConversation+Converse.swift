import BatonCore

extension ModelConversation {
    /// A Bedrock `Converse` or `ConverseStream` request body (botocore's `ConverseRequest`):
    /// `messages` of content blocks (`text`, `toolUse`, `toolResult` …) and
    /// `toolConfig.tools[].toolSpec {name, inputSchema.json}`. `modelId` travels in the path.
    init(converse body: JSONValue) throws(JSONShapeError) {
        let request = try JSONFields(body, path: "")
        let messages = try request.array("messages", of: ConverseMessage.self).map(\.message)
        let tools = try request.read(ifPresent: "toolConfig", as: ConverseToolConfiguration.self)?.tools ?? [:]
        self.init(messages: messages, tools: tools)
    }
}

private struct ConverseMessage: JSONReadable {
    let message: ModelConversation.Message

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        var message = try ModelConversation.Message(role: fields.enumeration("role"))
        for block in try fields.array("content", of: ConverseContentBlock.self) {
            switch block {
            case .text(let text): message.texts.append(text)
            case .toolResult(let result): message.toolResults.append(result)
            case .other: continue
            }
        }
        self.message = message
    }
}

/// One content block: text and tool results count; a tool use, image or reasoning block is passed over.
private enum ConverseContentBlock: JSONReadable {
    case text(String)
    case toolResult(String)
    case other

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        if let text = try fields.string(ifPresent: "text") {
            self = .text(text)
        } else if let result = try fields.read(ifPresent: "toolResult", as: ConverseToolResult.self) {
            self = .toolResult(result.text)
        } else {
            self = .other
        }
    }
}

/// A `toolResult` block's `content` as one text: `text` items as they are, `json` items as
/// JSON text (Strands sends a tool's dict either way), other kinds left out.
private struct ConverseToolResult: JSONReadable {
    let text: String

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        _ = try fields.string("toolUseId")  // required by the service, so a client that leaves it out hears so here first
        text = try fields.array("content", of: ConverseToolResultItem.self).compactMap(\.text).joined(separator: "\n")
    }
}

private struct ConverseToolResultItem: JSONReadable {
    let text: String?

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        if let text = try fields.string(ifPresent: "text") {
            self.text = text
        } else if let document = fields.value(ifPresent: "json") {
            self.text = String(decoding: document.serialized, as: UTF8.self)
        } else {
            self.text = nil
        }
    }
}

/// `toolConfig`: the tools by name with their input schema; `cachePoint` and `systemTool`
/// entries offer nothing a rule can call.
private struct ConverseToolConfiguration: JSONReadable {
    let tools: [String: JSONValue]

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        let specifications = try fields.array("tools", of: ConverseTool.self).compactMap(\.specification)
        tools = Dictionary(specifications) { first, _ in first }
    }
}

private struct ConverseTool: JSONReadable {
    /// The tool's name and input schema; `nil` for an entry that is not a `toolSpec`.
    let specification: (String, JSONValue)?

    init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        guard let value = fields.value(ifPresent: "toolSpec") else {
            specification = nil
            return
        }
        let toolSpec = try JSONFields(value, path: fields.path(of: "toolSpec"))
        let name = try toolSpec.string("name")
        var schema = JSONValue.object([:])
        if let inputSchema = toolSpec.value(ifPresent: "inputSchema") {
            schema = try JSONFields(inputSchema, path: toolSpec.path(of: "inputSchema")).value(ifPresent: "json") ?? schema
        }
        specification = (name, schema)
    }
}
