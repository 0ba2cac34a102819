/// Checks a value against the part of JSON Schema (2020-12) that tool definitions use:
/// `type`, `properties`, `required`, `additionalProperties: false`, `enum`, `minimum`,
/// `maximum`, `minLength`, `maxLength` and `items`. Keywords it does not know are ignored,
/// as a validator ignores annotations.
///
/// Arguments a client sends to a tool are checked with it before the tool runs, so a wrong
/// argument is refused with its name and what is wrong, and nothing goes downstream.
public enum JSONSchemaCheck {
    /// The first way `value` breaks `schema`, naming the member by its path
    /// (`arguments.limit must be at most 1000`); `nil` when it conforms.
    public static func problem(with value: JSONValue, against schema: JSONValue, at path: String) -> String? {
        guard case .object(let rules) = schema else { return nil }
        if let type = rules["type"], !matches(value, type: type) {
            return "\(path) must be \(describe(type))"
        }
        if case .array(let allowed)? = rules["enum"], !allowed.contains(value) {
            return "\(path) must be one of \(allowed.map { String(decoding: $0.serialized, as: UTF8.self) }.joined(separator: ", "))"
        }
        switch value {
        case .integer, .number:
            let number = value.numberValue
            if let minimum = rules["minimum"]?.numberValue, number < minimum { return "\(path) must be at least \(text(minimum))" }
            if let maximum = rules["maximum"]?.numberValue, number > maximum { return "\(path) must be at most \(text(maximum))" }
        case .string(let string):
            if let least = rules["minLength"]?.numberValue, Double(string.count) < least {
                return "\(path) must be at least \(text(least)) characters"
            }
            if let most = rules["maxLength"]?.numberValue, Double(string.count) > most { return "\(path) must be at most \(text(most)) characters" }
        case .array(let items):
            guard let itemSchema = rules["items"] else { return nil }
            for (index, item) in items.enumerated() {
                if let problem = problem(with: item, against: itemSchema, at: "\(path)[\(index)]") { return problem }
            }
        case .object(let members):
            return problem(withObject: members, rules: rules, at: path)
        default:
            break
        }
        return nil
    }

    private static func problem(withObject members: [String: JSONValue], rules: [String: JSONValue], at path: String) -> String? {
        let properties = rules["properties"]?.objectValue ?? [:]
        for case .string(let name) in rules["required"]?.arrayValue ?? [] where members[name] == nil {
            return "\(path).\(name) is required"
        }
        if rules["additionalProperties"] == .bool(false), let unknown = members.keys.sorted().first(where: { properties[$0] == nil }) {
            return "\(path).\(unknown) is not an argument of this tool (it takes \(properties.keys.sorted().joined(separator: ", ")))"
        }
        for name in members.keys.sorted() {
            guard let propertySchema = properties[name], let member = members[name] else { continue }
            if let problem = problem(with: member, against: propertySchema, at: "\(path).\(name)") { return problem }
        }
        return nil
    }

    private static func matches(_ value: JSONValue, type: JSONValue) -> Bool {
        switch type {
        case .string(let name): return matches(value, typeName: name)
        case .array(let names): return names.contains { $0.stringValue.map { matches(value, typeName: $0) } ?? false }
        default: return true
        }
    }

    private static func matches(_ value: JSONValue, typeName: String) -> Bool {
        switch (typeName, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("integer", .integer),
            ("number", .integer), ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    private static func describe(_ type: JSONValue) -> String {
        let names = type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
        let phrases = names.map { name in
            switch name {
            case "object": "an object"
            case "array": "an array"
            case "integer": "an integer"
            case "null": "null"
            default: "a \(name)"
            }
        }
        return phrases.joined(separator: " or ")
    }

    private static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

extension JSONValue {
    /// An integer or a number as a `Double`; `.nan` for anything else.
    fileprivate var numberValue: Double {
        switch self {
        case .integer(let number): Double(number)
        case .number(let number): number
        default: .nan
        }
    }
}
