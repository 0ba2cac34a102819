import BatonCore

/// The strict JSON parser (token headers and claims, downstream answers) and its serializer.
enum JSONFuzzing {
    static let target = FuzzTarget(name: "json", summary: "StrictJSONParser: what parses serializes and parses back to the same value") { bytes in
        guard let value = try? StrictJSONParser.parse(bytes) else { return }
        let serialized = value.serialized
        guard let again = try? StrictJSONParser.parse(serialized) else {
            violated("a parsed value's serialization does not parse", String(decoding: serialized, as: UTF8.self))
        }
        guard equivalent(value, again) else { violated("serialize-parse round trip changed the value", String(decoding: serialized, as: UTF8.self)) }
    }

    /// Equal as JSON: numbers by value, whether held as integers or doubles.
    static func equivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): Double(x) == y
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
        case (.object(let x), .object(let y)): x.count == y.count && x.allSatisfy { key, value in y[key].map { equivalent(value, $0) } ?? false }
        default: a == b
        }
    }
}
