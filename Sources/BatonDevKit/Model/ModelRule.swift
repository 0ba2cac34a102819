import BatonConfig
import BatonCore

/// One rule of the dev model: a pattern over the latest user text, the tool to call when it
/// matches, and the answer to give once the tool's result is back (or at once, without a tool).
///
/// ```yaml
/// - match: "(?i)(INC\\d{7})"
///   tool: get_incident
///   arguments:
///     number: "$1"
///   answer: "{{rows}}"
/// ```
public struct ModelRule: Sendable {
    /// The regular expression; `nil` for the fallback rule, which matches anything.
    public let pattern: String?
    /// The tool to call, by the exact name the request offers it under.
    public let tool: String?
    /// The tool's input: argument name → template, where `$1`…`$9` stand for the pattern's groups.
    public let arguments: [String: String]
    /// The final text; `{{result}}` and `{{rows}}` stand for the tool's result.
    public let answer: String
    /// Compiled once at load. `Regex` is not `Sendable`, but matching never mutates it.
    nonisolated(unsafe) let regex: Regex<AnyRegexOutput>?

    /// Reads one entry of `rules:`; only the last (`isLast`) may leave out `match`.
    init(section: ConfigSection, isLast: Bool) throws(ConfigError) {
        pattern = try section.optionalValue("match")
        if let pattern {
            do {
                regex = try Regex(pattern)
            } catch {
                throw section.invalid("match", "not a valid regular expression: \(error)")
            }
        } else if isLast {
            regex = nil
        } else {
            throw section.invalid("match", "required: only the last rule, the fallback, may leave it out")
        }
        tool = try section.optionalValue("tool")
        arguments = try Self.arguments(in: section, hasTool: tool != nil)
        // A tool rule's answer may be left out: the result is then the answer.
        answer = try tool == nil ? section.requiredValue("answer") : section.value("answer", default: "{{result}}")
        try section.finish()
    }

    private static func arguments(in section: ConfigSection, hasTool: Bool) throws(ConfigError) -> [String: String] {
        let arguments = try section.section("arguments")
        guard arguments.isPresent else { return [:] }
        guard hasTool else { throw section.invalid("arguments", "arguments are a tool's input, and this rule has no tool") }
        var templates: [String: String] = [:]
        for name in arguments.writtenKeys { templates[name] = try arguments.requiredValue(name) }
        try arguments.finish()
        return templates
    }

    // MARK: - Following the rule

    /// The pattern's groups in `text` (`[0]` is the whole match, a group that took no part
    /// is empty), or `nil` when it does not match. The fallback matches anything.
    func captures(in text: String) -> [String]? {
        guard let regex else { return [text] }
        guard let match = try? regex.firstMatch(in: text) else { return nil }
        return (0..<match.output.count).map { match.output[$0].substring.map(String.init) ?? "" }
    }

    /// The tool's input for a match: the templates filled in with `captures`, each typed as the
    /// tool's input `schema` declares it. An argument that comes out empty is left out, so the
    /// tool's own default applies (`limit: "$1"` when the user gave no number).
    func toolInput(captures: [String], schema: JSONValue) -> JSONObject {
        let properties = schema.objectValue?["properties"]?.objectValue ?? [:]
        var input: JSONObject = [:]
        for (name, template) in arguments {
            let text = Self.fill(template, captures: captures)
            if !text.isEmpty { input[name] = Self.typed(text, as: properties[name]) }
        }
        return input
    }

    /// The final text: `{{result}}` is the tool's result as it came back, `{{rows}}` its Table
    /// API records one a line (the result as it came back when it holds none). One pass, so a
    /// result that happens to contain a placeholder is not expanded again.
    func finalAnswer(result: String) -> String {
        answer.replacing(#/\{\{(result|rows)\}\}/#) { placeholder in
            placeholder.output.1 == "rows" ? (TableResultRows(parsing: result)?.text ?? result) : result
        }
    }

    /// `template` with `$0`…`$9` replaced by the groups; a group past the last is empty.
    static func fill(_ template: String, captures: [String]) -> String {
        template.replacing(#/\$([0-9])/#) { reference in
            Int(reference.output.1).flatMap { captures.indices.contains($0) ? captures[$0] : nil } ?? ""
        }
    }

    /// `text` as the JSON type the schema gives the property. Templates are text (YAML
    /// scalars read as strings), but a model writes `"limit": 5`, and tools that validate
    /// their input refuse `"5"`. Anything the schema leaves open stays a string.
    static func typed(_ text: String, as property: JSONValue?) -> JSONValue {
        for type in declaredTypes(property) {
            switch type {
            case "integer":
                if let number = Int64(text) { return .integer(number) }
            case "number":
                if let number = Double(text), number.isFinite { return Int64(exactly: number).map(JSONValue.integer) ?? .number(number) }
            case "boolean":
                if let flag = Bool(text) { return .bool(flag) }
            case "array", "object":
                if let value = try? JSONValue(parsing: Array(text.utf8)), value.arrayValue != nil || value.objectValue != nil { return value }
            default:
                continue
            }
        }
        return .string(text)
    }

    /// The property's `type` (a name or a list of them), and those of its `anyOf`/`oneOf`
    /// branches, which is how Pydantic writes `Optional[int]` in Strands' tool specs.
    private static func declaredTypes(_ property: JSONValue?) -> [String] {
        guard let property = property?.objectValue else { return [] }
        let own: [String] =
            switch property["type"] {
            case .string(let type)?: [type]
            case .array(let types)?: types.compactMap(\.stringValue)
            default: []
            }
        let branches = ["anyOf", "oneOf"].flatMap { property[$0]?.arrayValue ?? [] }
        return own + branches.flatMap { declaredTypes($0) }
    }
}
