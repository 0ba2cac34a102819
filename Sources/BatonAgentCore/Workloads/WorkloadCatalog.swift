import BatonConfig
import BatonCore
import Foundation

/// Every workload identity in a directory, and who owns each access key.
public struct WorkloadCatalog: Sendable {
    public let workloads: [String: WorkloadDefinition]
    private let owners: [String: (workload: String, secret: Secret)]

    public init(definitions: [WorkloadDefinition]) {
        workloads = Dictionary(definitions.map { ($0.name, $0) }) { first, _ in first }
        var owners: [String: (workload: String, secret: Secret)] = [:]
        for definition in definitions {
            for key in definition.accessKeys { owners[key.id] = (definition.name, key.secret) }
        }
        self.owners = owners
    }

    /// The `*.yaml` files of `directory` (none when it does not exist); names and access
    /// key ids must be unique, and every agent named must be one `agents` knows.
    public static func load(directory: String, environment: [String: String], agents: Set<String>) throws(ConfigError) -> WorkloadCatalog {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        var definitions: [WorkloadDefinition] = []
        var keys: [String: String] = [:]
        for file in names.sorted().map({ "\(directory)/\($0)" }) {
            let definition = try WorkloadDefinition.load(file: file, environment: environment)
            if let other = definitions.first(where: { $0.name == definition.name }) {
                throw .invalidValue(
                    origin: .file(path: file, line: nil), keyPath: "name", problem: "'\(definition.name)' is also defined in \(other.file)")
            }
            guard agents.contains(definition.agent) else {
                throw .invalidValue(
                    origin: .file(path: file, line: nil), keyPath: "agent",
                    problem: "'\(definition.agent)' is not a local agent (known: \(agents.sorted().joined(separator: ", ")))")
            }
            for key in definition.accessKeys {
                if let owner = keys[key.id] {
                    throw .invalidValue(origin: .file(path: file, line: nil), keyPath: "access_keys", problem: "\(key.id) is also a key of \(owner)")
                }
                keys[key.id] = definition.name
            }
            definitions.append(definition)
        }
        return WorkloadCatalog(definitions: definitions)
    }

    /// The workload that owns access key `id`, and its secret.
    public func owner(ofAccessKey id: String) -> (workload: String, secret: Secret)? {
        owners[id]
    }
}
