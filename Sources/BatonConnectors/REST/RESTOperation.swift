/// One operation of a generic REST connector, as declared in its YAML file.
public struct RESTOperation: Sendable, Equatable {
    public enum Location: String, Sendable, Equatable {
        case path, query, body
    }

    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var location: Location
        public var required: Bool
        public var description: String

        public init(name: String, location: Location, required: Bool = false, description: String = "") {
            self.name = name
            self.location = location
            self.required = required || location == .path
            self.description = description
        }
    }

    public var name: String
    public var description: String
    public var method: String
    /// e.g. `/tickets/{id}`; every `{name}` is a path parameter.
    public var path: String
    public var parameters: [Parameter]

    public init(name: String, description: String, method: String, path: String, parameters: [Parameter]) {
        self.name = name
        self.description = description
        self.method = method.uppercased()
        self.path = path
        self.parameters = parameters
    }

    /// Placeholders in ``path``.
    public var pathPlaceholders: [String] {
        var names: [String] = []
        var rest = path[...]
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
