import BatonCore
import BatonIdentity

/// Typed access to a tool call's arguments, with an error naming the tool and argument.
struct ToolArguments {
    let tool: String
    let values: JSONObject

    init(_ call: ToolCall) {
        tool = call.tool
        values = call.arguments
    }

    func string(_ name: String) throws(ConnectorError) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .integer(let number)?: return String(number)
        default: throw .invalidArguments(tool: tool, problem: "'\(name)' must be a string")
        }
    }

    func requiredString(_ name: String) throws(ConnectorError) -> String {
        guard let value = try string(name), !value.isEmpty else { throw .invalidArguments(tool: tool, problem: "'\(name)' is required") }
        return value
    }

    func integer(_ name: String, default defaultValue: Int? = nil, range: ClosedRange<Int>? = nil) throws(ConnectorError) -> Int? {
        let value: Int?
        switch values[name] {
        case nil, .null?: value = defaultValue
        case .integer(let number)?: value = Int(number)
        case .string(let text)?:
            guard let number = Int(text) else { throw .invalidArguments(tool: tool, problem: "'\(name)' must be an integer") }
            value = number
        default: throw .invalidArguments(tool: tool, problem: "'\(name)' must be an integer")
        }
        if let value, let range, !range.contains(value) {
            throw .invalidArguments(tool: tool, problem: "'\(name)' must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    func bool(_ name: String, default defaultValue: Bool) throws(ConnectorError) -> Bool {
        switch values[name] {
        case nil, .null?: return defaultValue
        case .bool(let flag)?: return flag
        case .string("true")?: return true
        case .string("false")?: return false
        default: throw .invalidArguments(tool: tool, problem: "'\(name)' must be true or false")
        }
    }

    func object(_ name: String) throws(ConnectorError) -> JSONObject? {
        switch values[name] {
        case nil, .null?: return nil
        case .object(let object)?: return object
        default: throw .invalidArguments(tool: tool, problem: "'\(name)' must be an object")
        }
    }

    func strings(_ name: String) throws(ConnectorError) -> [String] {
        switch values[name] {
        case nil, .null?: return []
        case .string(let text)?: return text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        case .array(let items)?:
            return try items.map { item throws(ConnectorError) in
                guard let text = item.stringValue else { throw .invalidArguments(tool: tool, problem: "'\(name)' must be a list of strings") }
                return text
            }
        default: throw .invalidArguments(tool: tool, problem: "'\(name)' must be a list of strings")
        }
    }
}

/// JSON Schema fragments for tool definitions.
enum Schema {
    static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        [
            "type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)),
            "additionalProperties": false,
        ]
    }

    static func string(_ description: String, enum values: [String]? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "string", "description": .string(description)]
        if let values { schema["enum"] = .array(values.map(JSONValue.string)) }
        return .object(schema)
    }

    static func integer(_ description: String, minimum: Int = 0, maximum: Int? = nil) -> JSONValue {
        var schema: JSONObject = ["type": "integer", "description": .string(description), "minimum": .integer(Int64(minimum))]
        if let maximum { schema["maximum"] = .integer(Int64(maximum)) }
        return .object(schema)
    }

    static func boolean(_ description: String) -> JSONValue {
        ["type": "boolean", "description": .string(description)]
    }

    static func strings(_ description: String) -> JSONValue {
        ["type": "array", "items": ["type": "string"], "description": .string(description)]
    }

    static func anyObject(_ description: String) -> JSONValue {
        ["type": "object", "description": .string(description)]
    }
}
