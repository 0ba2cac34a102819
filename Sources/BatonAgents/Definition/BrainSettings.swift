import BatonConfig
import BatonCore
import Foundation

/// How an agent decides what to do with a request.
public enum BrainSettings: Sendable {
    /// Ordered patterns, first match wins: deterministic, offline, the default.
    case rules([Rule])
    /// Any OpenAI-compatible `/chat/completions` endpoint with tool calling.
    case chatCompletions(ChatCompletionsSettings)

    init(section: ConfigSection) throws(ConfigError) {
        let kind: String = try section.value("kind", default: "rules")
        switch kind {
        case "rules":
            var rules: [Rule] = []
            for rule in try section.sections("rules") { rules.append(try Rule(section: rule)) }
            guard !rules.isEmpty else { throw section.invalid("rules", "a rules brain needs at least one rule") }
            self = .rules(rules)
        case "chat-completions":
            self = .chatCompletions(try ChatCompletionsSettings(section: section))
        default:
            throw section.invalid("kind", "one of rules, chat-completions")
        }
        try section.finish()
    }
}

/// One rule of a rules brain: a pattern over the request and what to do when it matches.
///
/// Templates in `input` and `arguments` may use `$0` (the whole request, not only the
/// matched part) and `$1`…`$9` (the pattern's groups); an argument whose template comes out empty is left out.
public struct Rule: Sendable {
    public enum Action: Sendable, Equatable {
        case delegate(agent: String, input: String)
        case tool(name: String, arguments: [String: String])
        case answer(String)
    }

    public let pattern: String
    public let action: Action

    public init(pattern: String, action: Action) {
        self.pattern = pattern
        self.action = action
    }

    init(section: ConfigSection) throws(ConfigError) {
        pattern = try section.value("match", default: ".*")
        do {
            _ = try Regex(pattern)
        } catch {
            throw section.invalid("match", "not a valid regular expression: \(error)")
        }
        let delegate: String? = try section.optionalValue("delegate")
        let tool: String? = try section.optionalValue("tool")
        let answer: String? = try section.optionalValue("answer")
        guard [delegate, tool, answer].compactMap({ $0 }).count == 1 else {
            throw section.invalid("match", "a rule has exactly one of delegate, tool or answer")
        }
        if let delegate {
            action = .delegate(agent: delegate, input: try section.value("input", default: "$0"))
        } else if let tool {
            guard tool.split(separator: ".").count == 2 else { throw section.invalid("tool", "'\(tool)' must be connector.tool") }
            let arguments = try section.section("arguments")
            var values: [String: String] = [:]
            for key in arguments.writtenKeys { values[key] = try arguments.requiredValue(key) }
            try arguments.finish()
            action = .tool(name: tool, arguments: values)
        } else {
            action = .answer(answer ?? "")
        }
        try section.finish()
    }
}

/// Where an OpenAI-compatible model is and how to call it.
public struct ChatCompletionsSettings: Sendable {
    /// e.g. `https://api.openai.com/v1`; `/chat/completions` is appended.
    public var baseURL: String
    public var model: String
    /// The environment variable holding the API key (never the key itself).
    public var apiKeyVariable: String?
    public var systemPrompt: String
    public var temperature: Double?

    init(section: ConfigSection) throws(ConfigError) {
        baseURL = try section.requiredValue("base_url")
        guard URL(string: baseURL)?.host != nil else { throw section.invalid("base_url", "must be an http(s) URL") }
        model = try section.requiredValue("model")
        apiKeyVariable = try section.optionalValue("api_key_env")
        systemPrompt = try section.value(
            "system_prompt", default: "You act for the signed-in user. Use the tools to answer; hand work to a delegate when it is theirs.")
        temperature = try section.optionalValue("temperature").flatMap { (text: String) in Double(text) }
    }
}
