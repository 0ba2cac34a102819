import Foundation
internal import Yams

/// One configuration source: a YAML file (or none) plus the process environment.
///
/// The document remembers which `BATON_…` variables were consulted, so that after
/// loading, a variable that matched no key can be reported instead of silently ignored.
public final class ConfigDocument {
    /// How the file is named in messages.
    public let path: String
    let root: Node?
    let environment: [String: String]
    let environmentPrefix: String
    private(set) var consultedVariables: Set<String> = []

    /// Reads and parses a YAML file.
    public convenience init(contentsOf path: String, environment: [String: String], environmentPrefix: String = "BATON") throws(ConfigError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: Self.reason(for: error, path: path))
        }
        try self.init(yaml: text, path: path, environment: environment, environmentPrefix: environmentPrefix)
    }

    /// Parses YAML text; `path` names it in messages.
    public init(yaml: String, path: String, environment: [String: String], environmentPrefix: String = "BATON") throws(ConfigError) {
        self.path = path
        self.environment = environment
        self.environmentPrefix = environmentPrefix
        do {
            self.root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.syntaxError(error, path: path)
        } catch {
            throw .syntax(path: path, line: nil, column: nil, problem: "\(error)")
        }
    }

    /// A document with no file: only defaults and environment overrides apply.
    public init(environment: [String: String], environmentPrefix: String = "BATON", path: String = "(no configuration file)") {
        self.path = path
        self.root = nil
        self.environment = environment
        self.environmentPrefix = environmentPrefix
    }

    /// The top-level mapping.
    public func rootSection() throws(ConfigError) -> ConfigSection {
        if root == nil || root?.null != nil {
            return ConfigSection(document: self, keyPath: [], mapping: nil, line: nil)
        }
        switch root {
        case .mapping(let mapping):
            return ConfigSection(document: self, keyPath: [], mapping: mapping, line: mapping.mark?.line)
        case let other:
            throw .wrongType(
                origin: .file(path: path, line: other?.mark?.line), keyPath: "(top level)", expected: "a mapping of keys",
                found: other?.kindDescription ?? "nothing")
        }
    }

    /// `BATON_…` variables in the environment that no key consulted.
    public func unusedOverrides(ignoring reserved: Set<String> = []) -> [String] {
        environment.keys
            .filter { $0.hasPrefix(environmentPrefix + "_") && !consultedVariables.contains($0) && !reserved.contains($0) }
            .sorted()
    }

    /// The environment variable that overrides `keyPath`: `server.listen` → `BATON_SERVER_LISTEN`.
    public func variableName(for keyPath: [String]) -> String {
        ([environmentPrefix] + keyPath).joined(separator: "_").uppercased().replacingOccurrences(of: "-", with: "_")
    }

    func consultVariable(for keyPath: [String]) -> String {
        let name = variableName(for: keyPath)
        consultedVariables.insert(name)
        return name
    }

    private static func syntaxError(_ error: YamlError, path: String) -> ConfigError {
        // Yams' own description quotes the offending line, which may hold a secret: keep only the position and problem.
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return .syntax(path: path, line: mark.line, column: mark.column, problem: detail)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .syntax(
                path: path, line: context.mark.line, column: context.mark.column,
                problem: "duplicate key(s) \(duplicates.sorted().joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return .syntax(path: path, line: nil, column: nil, problem: problem)
        default:
            return .syntax(path: path, line: nil, column: nil, problem: "unreadable YAML")
        }
    }

    private static func reason(for error: any Error, path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not UTF-8 text or not a regular file"
    }
}

extension Node {
    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): null != nil ? "null" : "'\(scalar.string)'"
        }
    }
}

extension ConfigDocument {
    /// A definition file in a directory of them (`agents/itsm.yaml`, `connectors/servicenow.yaml`),
    /// whose keys `BATON_<KIND>_<STEM>_<KEY_PATH>` variables override — `BATON_AGENT_ITSM_…`.
    public static func definition(file path: String, kind: String, environment: [String: String]) throws(ConfigError) -> ConfigDocument {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let prefix = "BATON_\(kind.uppercased())_" + stem.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        return try ConfigDocument(contentsOf: path, environment: environment, environmentPrefix: prefix)
    }
}
