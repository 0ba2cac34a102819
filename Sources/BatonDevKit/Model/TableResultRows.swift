import BatonCore
import Foundation

/// A ServiceNow Table API answer (`{"result": [records]}`, or `{"result": {record}}` for one)
/// as one line a record, `- value | value | …`: what `{{rows}}` puts in a dev model answer.
struct TableResultRows {
    /// The lines, joined by newlines; `(no records)` for an empty `result`.
    let text: String

    /// How many times a JSON string is unwrapped: a Strands tool returns `json.dumps(...)`
    /// text, which a client may quote once more.
    static let unwrapLimit = 3

    /// The rows of `result`, or `nil` when it holds no Table API answer.
    init?(parsing result: String) {
        guard let found = Self.records(in: result, unwrapping: Self.unwrapLimit) else { return nil }
        let positions = Self.positions(of: Set(found.records.flatMap(\.keys)), in: found.source)
        text = found.records.isEmpty ? "(no records)" : found.records.map { Self.line($0, positions: positions) }.joined(separator: "\n")
    }

    /// The records and the JSON text they were read from (the innermost, once unwrapped).
    private static func records(in text: String, unwrapping remaining: Int) -> (records: [JSONObject], source: String)? {
        guard remaining > 0, let value = try? JSONValue(parsing: Array(text.utf8)) else { return nil }
        switch value {
        case .string(let inner):
            return records(in: inner, unwrapping: remaining - 1)
        case .object(let answer):
            switch answer["result"] {
            case .object(let record)?:
                return ([record], text)
            case .array(let items)?:
                let records = items.compactMap(\.objectValue)
                return records.count == items.count ? (records, text) : nil
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// Where each field name first appears in `source`. `JSONValue` keeps no member order, and
    /// a row reads best in the order the tool wrote its fields (`number` first, as asked for in
    /// `sysparm_fields`). A name not found as written (one with escapes) sorts last.
    private static func positions(of names: Set<String>, in source: String) -> [String: Int] {
        var positions: [String: Int] = [:]
        for name in names {
            let position = source.range(of: "\"\(name)\"").map { source.utf8.distance(from: source.startIndex, to: $0.lowerBound) }
            positions[name] = position ?? Int.max
        }
        return positions
    }

    private static func line(_ record: JSONObject, positions: [String: Int]) -> String {
        let fields = record.sorted { (positions[$0.key] ?? Int.max, $0.key) < (positions[$1.key] ?? Int.max, $1.key) }
        return "- " + fields.map { cell($0.value) }.joined(separator: " | ")
    }

    /// A field as a person reads it: a reference's or choice's `display_value` when the
    /// record carries one, else its stored `value`.
    private static func cell(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .number(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null: return ""
        case .object(let members):
            if let shown = members["display_value"] ?? members["value"] { return cell(shown) }
            return String(decoding: value.serialized, as: UTF8.self)
        case .array: return String(decoding: value.serialized, as: UTF8.self)
        }
    }
}
