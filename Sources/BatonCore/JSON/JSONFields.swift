/// A JSON object read field by field, each failure naming the field's path.
///
/// What `JSONDecoder` does for a `Decodable` (absent or `null` optionals are `nil`,
/// unknown members are ignored), on a value already parsed: a request body read with
/// ``StrictJSONParser`` is not serialized back to bytes to be parsed a second time.
public struct JSONFields: Sendable {
    /// Where this object sits in the document (`message.parts[0]`); empty at the top.
    public let path: String
    private let members: [String: JSONValue]

    /// The object `value`, or ``JSONShapeError`` when it is not one.
    public init(_ value: JSONValue, path: String) throws(JSONShapeError) {
        guard case .object(let members) = value else { throw JSONShapeError(path: path, problem: .wrongType) }
        self.members = members
        self.path = path
    }

    /// The path of member `key`.
    public func path(of key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Member `key`, any JSON but `null`; `nil` when absent or `null`.
    public func value(ifPresent key: String) -> JSONValue? {
        switch members[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    /// Member `key`, which must be present and not `null`.
    public func value(_ key: String) throws(JSONShapeError) -> JSONValue {
        guard let value = members[key] else { throw JSONShapeError(path: path(of: key), problem: .missing) }
        guard value != .null else { throw JSONShapeError(path: path(of: key), problem: .wrongType) }
        return value
    }

    public func string(_ key: String) throws(JSONShapeError) -> String {
        guard case .string(let text) = try value(key) else { throw JSONShapeError(path: path(of: key), problem: .wrongType) }
        return text
    }

    public func string(ifPresent key: String) throws(JSONShapeError) -> String? {
        guard let value = value(ifPresent: key) else { return nil }
        guard case .string(let text) = value else { throw JSONShapeError(path: path(of: key), problem: .wrongType) }
        return text
    }

    public func bool(ifPresent key: String) throws(JSONShapeError) -> Bool? {
        guard let value = value(ifPresent: key) else { return nil }
        guard case .bool(let flag) = value else { throw JSONShapeError(path: path(of: key), problem: .wrongType) }
        return flag
    }

    /// An integer member; a number with a fraction is the wrong type, as for `JSONDecoder`.
    public func integer(ifPresent key: String) throws(JSONShapeError) -> Int? {
        switch value(ifPresent: key) {
        case nil: return nil
        case .integer(let number)?: return Int(exactly: number)
        case .number(let number)? where number.rounded() == number && abs(number) < 9.0e15: return Int(number)
        default: throw JSONShapeError(path: path(of: key), problem: .wrongType)
        }
    }

    public func strings(ifPresent key: String) throws(JSONShapeError) -> [String]? {
        guard let value = value(ifPresent: key) else { return nil }
        guard case .array(let items) = value else { throw JSONShapeError(path: path(of: key), problem: .wrongType) }
        return try items.enumerated().map { index, item throws(JSONShapeError) in
            guard case .string(let text) = item else { throw JSONShapeError(path: "\(path(of: key))[\(index)]", problem: .wrongType) }
            return text
        }
    }

    /// A member whose value is one of an enumeration's string cases.
    public func enumeration<Value: RawRepresentable<String>>(_ key: String, as type: Value.Type = Value.self) throws(JSONShapeError) -> Value {
        let text = try string(key)
        guard let value = Value(rawValue: text) else {
            throw JSONShapeError(path: path(of: key), problem: .invalid("'\(text)' is not a known value"))
        }
        return value
    }

    public func enumeration<Value: RawRepresentable<String>>(ifPresent key: String, as type: Value.Type = Value.self) throws(JSONShapeError) -> Value?
    {
        guard value(ifPresent: key) != nil else { return nil }
        return try enumeration(key, as: type)
    }

    public func read<Value: JSONReadable>(_ key: String, as type: Value.Type = Value.self) throws(JSONShapeError) -> Value {
        try Value(json: try value(key), path: path(of: key))
    }

    public func read<Value: JSONReadable>(ifPresent key: String, as type: Value.Type = Value.self) throws(JSONShapeError) -> Value? {
        guard let value = value(ifPresent: key) else { return nil }
        return try Value(json: value, path: path(of: key))
    }

    public func array<Value: JSONReadable>(_ key: String, of type: Value.Type = Value.self) throws(JSONShapeError) -> [Value] {
        try Self.items(try value(key), path: path(of: key))
    }

    public func array<Value: JSONReadable>(ifPresent key: String, of type: Value.Type = Value.self) throws(JSONShapeError) -> [Value]? {
        guard let value = value(ifPresent: key) else { return nil }
        return try Self.items(value, path: path(of: key))
    }

    private static func items<Value: JSONReadable>(_ value: JSONValue, path: String) throws(JSONShapeError) -> [Value] {
        guard case .array(let items) = value else { throw JSONShapeError(path: path, problem: .wrongType) }
        return try items.enumerated().map { index, item throws(JSONShapeError) in try Value(json: item, path: "\(path)[\(index)]") }
    }
}

/// A value read from parsed JSON through ``JSONFields``.
public protocol JSONReadable {
    init(json: JSONValue, path: String) throws(JSONShapeError)
}

/// Why JSON does not have the shape a value needs, and where.
public struct JSONShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case missing
        case wrongType
        case invalid(String)
    }

    /// The field's path (`message.parts[0].text`); empty for the whole value.
    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let name = path.isEmpty ? "the value" : path
        return switch problem {
        case .missing: "\(name) is required"
        case .wrongType: "\(name) has the wrong type"
        case .invalid(let reason): "\(name) is not valid: \(reason)"
        }
    }
}
