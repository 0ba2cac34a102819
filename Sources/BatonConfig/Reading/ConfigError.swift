import BatonCore

/// Where a configuration value came from, so an error can point at it.
public enum ConfigOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A line of a YAML file.
    case file(path: String, line: Int?)
    /// An environment variable that overrides a key.
    case environment(variable: String)

    public var description: String {
        switch self {
        case .file(let path, let line?): "\(path):\(line)"
        case .file(let path, nil): path
        case .environment(let variable): "environment variable \(variable)"
        }
    }
}

/// A configuration problem, naming the file (or variable), the key path and what is wrong.
///
/// Descriptions never contain the value of a secret field.
public enum ConfigError: BatonError, Equatable {
    /// The file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The file is not valid YAML.
    case syntax(path: String, line: Int?, column: Int?, problem: String)
    /// A key that this configuration does not define.
    case unknownKey(origin: ConfigOrigin, keyPath: String, known: [String])
    /// A value of the wrong YAML shape or type.
    case wrongType(origin: ConfigOrigin, keyPath: String, expected: String, found: String)
    /// A value of the right type that is not acceptable.
    case invalidValue(origin: ConfigOrigin, keyPath: String, problem: String)
    /// A `${VAR}` reference to a variable that is not set.
    case unsetVariable(origin: ConfigOrigin, keyPath: String, variable: String)
    /// A key that must be present is missing.
    case missingKey(origin: ConfigOrigin, keyPath: String)

    public var code: String {
        switch self {
        case .unreadable: "config_unreadable"
        case .syntax: "config_syntax"
        case .unknownKey: "config_unknown_key"
        case .wrongType: "config_wrong_type"
        case .invalidValue: "config_invalid_value"
        case .unsetVariable: "config_unset_variable"
        case .missingKey: "config_missing_key"
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file: \(reason)"
        case .syntax(let path, let line, let column, let problem):
            let position = [line, column].compactMap { $0.map(String.init) }.joined(separator: ":")
            return "\(path)\(position.isEmpty ? "" : ":" + position): not valid YAML: \(problem)"
        case .unknownKey(let origin, let keyPath, let known):
            let hint = known.isEmpty ? "this section takes no keys" : "known keys here: \(known.joined(separator: ", "))"
            return "\(origin): \(keyPath): unknown key (\(hint))"
        case .wrongType(let origin, let keyPath, let expected, let found):
            return "\(origin): \(keyPath): expected \(expected), found \(found)"
        case .invalidValue(let origin, let keyPath, let problem):
            return "\(origin): \(keyPath): \(problem)"
        case .unsetVariable(let origin, let keyPath, let variable):
            return "\(origin): \(keyPath): environment variable \(variable) is not set (referenced as ${\(variable)})"
        case .missingKey(let origin, let keyPath):
            return "\(origin): \(keyPath): required key is missing"
        }
    }
}
