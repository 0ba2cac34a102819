import BatonConfig
import Foundation

/// What `baton dev model` answers: ordered ``ModelRule``s read from a YAML file, the first
/// whose pattern matches the latest user text deciding.
///
/// ```yaml
/// rules:
///   - match: "(?i)(INC\\d{7})"
///     tool: get_incident
///     arguments: {number: "$1"}
///     answer: "{{rows}}"
///   - answer: "I can look up your ServiceNow incidents."   # the fallback
/// ```
///
/// Errors are ``ConfigError``s naming the file, line and key (`dev/model.yaml:7: rules[1].match: …`).
public struct ModelRules: Sendable {
    public let rules: [ModelRule]
    /// The file the rules came from, for answers that say no rule matched.
    public let source: String

    /// The prefix of the variables that `${VAR}` references and key overrides consult.
    static let environmentPrefix = "BATON_DEV_MODEL"

    /// Reads the rules file at `path`.
    public init(contentsOf path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) {
        try self.init(document: ConfigDocument(contentsOf: path, environment: environment, environmentPrefix: Self.environmentPrefix))
    }

    /// Reads rules from YAML text; `path` names it in errors.
    public init(yaml: String, path: String, environment: [String: String] = [:]) throws(ConfigError) {
        try self.init(document: ConfigDocument(yaml: yaml, path: path, environment: environment, environmentPrefix: Self.environmentPrefix))
    }

    private init(document: ConfigDocument) throws(ConfigError) {
        let root = try document.rootSection()
        let sections = try root.sections("rules")
        guard !sections.isEmpty else { throw root.invalid("rules", "the dev model needs at least one rule") }
        var rules: [ModelRule] = []
        for (index, section) in sections.enumerated() {
            rules.append(try ModelRule(section: section, isLast: index == sections.count - 1))
        }
        try root.finish()
        self.rules = rules
        self.source = document.path
    }

    /// The first rule that matches `text`, with its pattern's groups.
    func rule(for text: String) -> (rule: ModelRule, captures: [String])? {
        for rule in rules {
            if let captures = rule.captures(in: text) { return (rule, captures) }
        }
        return nil
    }
}
