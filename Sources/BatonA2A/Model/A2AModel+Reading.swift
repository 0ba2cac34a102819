import BatonCore

// The A2A values read from parsed JSON, the counterpart of their `json` forms: a
// SendMessage's params, a stored task and a delegate's answers are read as they were
// parsed, not serialized again for `JSONDecoder`. Same names, same omissions, same
// errors for what is missing or mistyped as their `Codable` form.

extension A2APart: JSONReadable {
    public init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        self.init(
            text: try fields.string(ifPresent: "text"), data: fields.value(ifPresent: "data"), mediaType: try fields.string(ifPresent: "mediaType"))
        raw = try fields.string(ifPresent: "raw")
        url = try fields.string(ifPresent: "url")
        metadata = fields.value(ifPresent: "metadata")
        filename = try fields.string(ifPresent: "filename")
    }
}

extension A2AMessage: JSONReadable {
    public init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        self.init(
            messageId: try fields.string("messageId"), contextId: try fields.string(ifPresent: "contextId"),
            taskId: try fields.string(ifPresent: "taskId"), role: try fields.enumeration("role"), parts: try fields.array("parts"),
            metadata: fields.value(ifPresent: "metadata"))
        extensions = try fields.strings(ifPresent: "extensions")
        referenceTaskIds = try fields.strings(ifPresent: "referenceTaskIds")
    }
}

extension A2ATaskStatus: JSONReadable {
    public init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        self.init(state: try fields.enumeration("state"), message: try fields.read(ifPresent: "message"))
        timestamp = try fields.string(ifPresent: "timestamp")
    }
}

extension A2AArtifact: JSONReadable {
    public init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        self.init(
            artifactId: try fields.string("artifactId"), name: try fields.string(ifPresent: "name"), parts: try fields.array("parts"),
            metadata: fields.value(ifPresent: "metadata"))
        description = try fields.string(ifPresent: "description")
    }
}

extension A2ATask: JSONReadable {
    public init(json: JSONValue, path: String) throws(JSONShapeError) {
        let fields = try JSONFields(json, path: path)
        self.init(
            id: try fields.string("id"), contextId: try fields.string(ifPresent: "contextId"), status: try fields.read("status"),
            artifacts: try fields.array(ifPresent: "artifacts"), history: try fields.array(ifPresent: "history"),
            metadata: fields.value(ifPresent: "metadata"))
    }
}
