import BatonCore

// The A2A values as JSON, built directly: a task carrying a chain's data is encoded on every
// message (stored, answered, streamed), and going through `JSONEncoder` and back cost more
// than the rest of the A2A layer together. Same names and omissions as their `Codable` form.

extension A2APart {
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        object["text"] = text.map(JSONValue.string)
        object["raw"] = raw.map(JSONValue.string)
        object["url"] = url.map(JSONValue.string)
        object["data"] = data
        object["metadata"] = metadata
        object["filename"] = filename.map(JSONValue.string)
        object["mediaType"] = mediaType.map(JSONValue.string)
        return .object(object)
    }
}

extension A2AMessage {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "messageId": .string(messageId), "role": .string(role.rawValue), "parts": .array(parts.map(\.json)),
        ]
        object["contextId"] = contextId.map(JSONValue.string)
        object["taskId"] = taskId.map(JSONValue.string)
        object["metadata"] = metadata
        object["extensions"] = extensions.map { .array($0.map(JSONValue.string)) }
        object["referenceTaskIds"] = referenceTaskIds.map { .array($0.map(JSONValue.string)) }
        return .object(object)
    }
}

extension A2ATaskStatus {
    public var json: JSONValue {
        var object: [String: JSONValue] = ["state": .string(state.rawValue)]
        object["message"] = message?.json
        object["timestamp"] = timestamp.map(JSONValue.string)
        return .object(object)
    }
}

extension A2AArtifact {
    public var json: JSONValue {
        var object: [String: JSONValue] = ["artifactId": .string(artifactId), "parts": .array(parts.map(\.json))]
        object["name"] = name.map(JSONValue.string)
        object["description"] = description.map(JSONValue.string)
        object["metadata"] = metadata
        return .object(object)
    }
}

extension A2ATask {
    public var json: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "status": status.json]
        object["contextId"] = contextId.map(JSONValue.string)
        object["artifacts"] = artifacts.map { .array($0.map(\.json)) }
        object["history"] = history.map { .array($0.map(\.json)) }
        object["metadata"] = metadata
        return .object(object)
    }
}
