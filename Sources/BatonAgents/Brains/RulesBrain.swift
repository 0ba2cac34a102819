import BatonCore
import BatonIdentity
import Foundation

/// The deterministic brain: the first rule whose pattern matches the request decides the
/// one step to take; the step's result is the answer. Offline, repeatable, the default.
public struct RulesBrain: Brain {
    let rules: [Rule]
    /// The rules' patterns, compiled once (compiling per request cost a fifth of a chain).
    nonisolated(unsafe) let patterns: [Regex<AnyRegexOutput>?]

    public init(rules: [Rule]) {
        self.rules = rules
        self.patterns = rules.map { try? Regex($0.pattern) }
    }

    public func decide(_ situation: BrainSituation) async throws(AgentError) -> BrainDecision {
        if let last = situation.steps.last { return .answer(text: last.resultText, data: last.resultData) }
        for (rule, pattern) in zip(rules, patterns) {
            guard let regex = pattern, let match = try? regex.firstMatch(in: situation.input) else { continue }
            // $0 is the whole request; $1… are the pattern's groups.
            let groups = [situation.input] + (1..<max(match.output.count, 1)).map { index in match.output[index].substring.map(String.init) ?? "" }
            switch rule.action {
            case .answer(let text):
                return .answer(text: Self.expand(text, groups), data: nil)
            case .delegate(let agent, let input):
                return .delegate(agent: agent, input: Self.expand(input, groups))
            case .tool(let name, let templates):
                var arguments: JSONObject = [:]
                for (key, template) in templates {
                    let value = Self.expand(template, groups)
                    if !value.isEmpty { arguments[key] = .string(value) }
                }
                return .callTool(name: name, arguments: arguments)
            }
        }
        return .answer(text: "\(situation.agent) has no rule for this request.", data: nil)
    }

    /// `$0`…`$9` replaced by the match's groups (an unmatched group is empty).
    static func expand(_ template: String, _ groups: [String]) -> String {
        var result = ""
        var characters = template[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            if character == "$", let digit = characters.first?.wholeNumberValue {
                characters = characters.dropFirst()
                result += digit < groups.count ? groups[digit] : ""
            } else {
                result.append(character)
            }
        }
        return result.trimmingCharacters(in: .whitespaces)
    }
}
