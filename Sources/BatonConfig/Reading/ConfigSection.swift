import Foundation
internal import Yams

/// A strict reader over one mapping of a configuration document.
///
/// Reading a key marks it as known; ``finish()`` then refuses any key that was not read,
/// so a misspelt key is an error instead of a silently ignored line. Every leaf can be
/// overridden by an environment variable named after its key path
/// (`server.listen` → `BATON_SERVER_LISTEN`), and file values go through `${VAR}`
/// interpolation.
///
/// ```swift
/// let server = try root.section("server")
/// let listen = try server.value("listen", default: "127.0.0.1:8080")
/// try server.finish()
/// ```
public struct ConfigSection {
    let document: ConfigDocument
    /// The keys from the document root to this section.
    public let keyPath: [String]
    let mapping: Node.Mapping?
    let line: Int?
    private let tracker = KeyTracker()

    init(document: ConfigDocument, keyPath: [String], mapping: Node.Mapping?, line: Int?) {
        self.document = document
        self.keyPath = keyPath
        self.mapping = mapping
        self.line = line
    }

    /// How the document this section belongs to is named in messages.
    public var documentPath: String { document.path }

    /// Whether the section was written in the file (as opposed to taking all defaults).
    public var isPresent: Bool { mapping != nil }

    /// The keys written in this section, in file order.
    public var writtenKeys: [String] { mapping?.compactMap { $0.key.string } ?? [] }

    // MARK: - Scalars

    /// The value of `key`, or `defaultValue` when neither the file nor the environment sets it.
    public func value<T: ConfigValue>(_ key: String, default defaultValue: T) throws(ConfigError) -> T {
        try optionalValue(key) ?? defaultValue
    }

    /// The value of `key`; a missing key is an error.
    public func requiredValue<T: ConfigValue>(_ key: String) throws(ConfigError) -> T {
        guard let value: T = try optionalValue(key) else {
            throw .missingKey(origin: origin(), keyPath: path(key))
        }
        return value
    }

    /// The value of `key`, or `nil` when it is not set (an explicit YAML null counts as not set).
    public func optionalValue<T: ConfigValue>(_ key: String) throws(ConfigError) -> T? {
        tracker.known.append(key)
        let variable = document.consultVariable(for: keyPath + [key])
        if let text = document.environment[variable] {
            return try parse(text, as: T.self, key: key, origin: .environment(variable: variable))
        }
        guard let node = node(for: key) else { return nil }
        let origin = origin(of: node)
        guard case .scalar(let scalar) = node else {
            throw .wrongType(origin: origin, keyPath: path(key), expected: T.expectation, found: node.kindDescription)
        }
        if node.null != nil { return nil }
        let text = try interpolate(scalar.string, key: key, origin: origin)
        return try parse(text, as: T.self, key: key, origin: origin)
    }

    /// A list of scalars; an environment override is a comma-separated list.
    public func list<T: ConfigValue>(_ key: String, default defaultValue: [T]) throws(ConfigError) -> [T] {
        tracker.known.append(key)
        let variable = document.consultVariable(for: keyPath + [key])
        if let text = document.environment[variable] {
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var values: [T] = []
            for item in items { values.append(try parse(item, as: T.self, key: key, origin: .environment(variable: variable))) }
            return values
        }
        guard let node = node(for: key), node.null == nil else { return defaultValue }
        guard case .sequence(let sequence) = node else {
            throw .wrongType(origin: origin(of: node), keyPath: path(key), expected: "a list of \(T.expectation)", found: node.kindDescription)
        }
        var values: [T] = []
        for (index, element) in sequence.enumerated() {
            let elementPath = "\(key)[\(index)]"
            guard case .scalar(let scalar) = element else {
                throw .wrongType(origin: origin(of: element), keyPath: path(elementPath), expected: T.expectation, found: element.kindDescription)
            }
            let text = try interpolate(scalar.string, key: elementPath, origin: origin(of: element))
            values.append(try parse(text, as: T.self, key: elementPath, origin: origin(of: element)))
        }
        return values
    }

    // MARK: - Nesting

    /// The mapping under `key`; an absent key gives an empty section whose values take their defaults.
    public func section(_ key: String) throws(ConfigError) -> ConfigSection {
        tracker.known.append(key)
        guard let node = node(for: key), node.null == nil else {
            return ConfigSection(document: document, keyPath: keyPath + [key], mapping: nil, line: line)
        }
        guard case .mapping(let mapping) = node else {
            throw .wrongType(origin: origin(of: node), keyPath: path(key), expected: "a mapping of keys", found: node.kindDescription)
        }
        return ConfigSection(document: document, keyPath: keyPath + [key], mapping: mapping, line: node.mark?.line)
    }

    /// The mappings of a list under `key`, each a section named `key[i]`.
    public func sections(_ key: String) throws(ConfigError) -> [ConfigSection] {
        tracker.known.append(key)
        guard let node = node(for: key), node.null == nil else { return [] }
        guard case .sequence(let sequence) = node else {
            throw .wrongType(origin: origin(of: node), keyPath: path(key), expected: "a list of mappings", found: node.kindDescription)
        }
        var sections: [ConfigSection] = []
        for (index, element) in sequence.enumerated() {
            guard case .mapping(let mapping) = element else {
                throw .wrongType(
                    origin: origin(of: element), keyPath: path("\(key)[\(index)]"), expected: "a mapping of keys", found: element.kindDescription)
            }
            sections.append(ConfigSection(document: document, keyPath: keyPath + ["\(key)[\(index)]"], mapping: mapping, line: element.mark?.line))
        }
        return sections
    }

    /// Refuses every key of this section that was not read.
    public func finish() throws(ConfigError) {
        guard let mapping else { return }
        for (keyNode, _) in mapping {
            guard let key = keyNode.string else {
                throw .wrongType(origin: origin(of: keyNode), keyPath: path("?"), expected: "a string key", found: keyNode.kindDescription)
            }
            if !tracker.known.contains(key) {
                throw .unknownKey(origin: origin(of: keyNode), keyPath: path(key), known: tracker.known)
            }
        }
    }

    // MARK: - Locations

    /// Where `key` was set, for errors raised after a value was read and found wanting.
    public func origin(of key: String) -> ConfigOrigin {
        let variable = document.variableName(for: keyPath + [key])
        if document.environment[variable] != nil { return .environment(variable: variable) }
        if let node = node(for: key) { return origin(of: node) }
        return origin()
    }

    /// The dotted key path of `key` in this section, for messages.
    public func path(_ key: String) -> String {
        (keyPath + [key]).joined(separator: ".")
    }

    /// Builds an error about the value of `key`.
    public func invalid(_ key: String, _ problem: String) -> ConfigError {
        .invalidValue(origin: origin(of: key), keyPath: path(key), problem: problem)
    }

    private func origin() -> ConfigOrigin {
        .file(path: document.path, line: line)
    }

    private func origin(of node: Node) -> ConfigOrigin {
        .file(path: document.path, line: node.mark?.line)
    }

    private func node(for key: String) -> Node? {
        mapping?.first { $0.key.string == key }?.value
    }

    private func interpolate(_ text: String, key: String, origin: ConfigOrigin) throws(ConfigError) -> String {
        do {
            return try Interpolation(environment: document.environment).expand(text)
        } catch {
            switch error {
            case .unset(let name): throw .unsetVariable(origin: origin, keyPath: path(key), variable: name)
            case .malformed(let problem): throw .invalidValue(origin: origin, keyPath: path(key), problem: problem)
            }
        }
    }

    private func parse<T: ConfigValue>(_ text: String, as type: T.Type, key: String, origin: ConfigOrigin) throws(ConfigError) -> T {
        guard let value = T(configText: text) else {
            let found = T.isSecret ? "a value that is not \(T.expectation)" : "'\(text)'"
            throw .wrongType(origin: origin, keyPath: path(key), expected: T.expectation, found: found)
        }
        return value
    }
}

/// The keys a section has read so far; a class so that copies of a section share it.
private final class KeyTracker {
    var known: [String] = []
}
