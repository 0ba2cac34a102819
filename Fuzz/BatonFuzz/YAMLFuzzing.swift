import BatonConfig
import BatonDevKit

@testable import BatonAgents
@testable import BatonConnectors

/// The YAML loaders: baton.yaml, agent and connector definitions, the dev model's rules.
/// Any text must end in a value or a `ConfigError` naming the file — never a crash.
enum YAMLFuzzing {
    static let target = FuzzTarget(name: "yaml", summary: "ConfigDocument → BatonConfiguration, AgentDefinition, ConnectorDefinition; ModelRules") {
        bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let document = try ConfigDocument(yaml: text, path: "fuzz.yaml", environment: [:])
            _ = try? BatonConfiguration(root: try document.rootSection())
            _ = try? AgentDefinition(root: try document.rootSection(), file: "fuzz.yaml")
            _ = try? ConnectorDefinition(root: try document.rootSection(), file: "fuzz.yaml")
        } catch let error as ConfigError {
            guard error.description.contains("fuzz.yaml") else { violated("a YAML error does not name its file", error.description) }
        } catch {
            violated("the YAML loaders threw something other than a ConfigError", "\(error)")
        }
        _ = try? ModelRules(yaml: text, path: "fuzz.yaml")
    }
}
