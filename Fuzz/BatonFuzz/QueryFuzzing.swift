import BatonConnectors

@testable import BatonDevKit

/// ServiceNow encoded queries: the emulator's parser on any text, and the connector's
/// builder against it — whatever the builder accepts must parse back to exactly the
/// condition it was given (an ambiguous encoding would let a value change the query).
enum QueryFuzzing {
    static let target = FuzzTarget(name: "query", summary: "emulator EncodedQuery parsing; connector EncodedQueryBuilder → parser round trip") {
        bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? EncodedQuery(parsing: text)
        guard bytes.count >= 2 else { return }
        roundTrip(operatorIndex: Int(bytes[0]), rest: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()))
    }

    /// The first byte picks the operator; the rest is the field, a NUL, and the value.
    static func roundTrip(operatorIndex: Int, rest: UnsafeRawBufferPointer) {
        let op = EncodedQueryBuilder.Operator.allCases[operatorIndex % EncodedQueryBuilder.Operator.allCases.count]
        let parts = rest.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let field = String(decoding: parts[0], as: UTF8.self)
        let value = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : ""
        var builder = EncodedQueryBuilder()
        guard (try? builder.add(field, op, value)) != nil else { return }
        let encoded = builder.encoded
        guard let parsed = try? EncodedQuery(parsing: encoded) else { violated("the builder's query does not parse", encoded) }
        let expected = op == .isEmpty || op == .isNotEmpty ? "" : String(value.unicodeScalars.filter { !($0.value < 0x20 || $0.value == 0x7F) })
        guard parsed.groups.count == 1, parsed.groups[0].count == 1, parsed.groups[0][0].count == 1, parsed.ordering.isEmpty else {
            violated("one condition became another query", encoded)
        }
        let condition = parsed.groups[0][0][0]
        guard condition.field == field, condition.op.rawValue == op.rawValue, condition.value == expected else {
            violated("the condition changed on the way", "\(encoded) → \(condition)")
        }
        // A literal value never reaches the instance as a script (only add(_:_:script:) may).
        guard !EncodedQueryBuilder.isScript(condition.value) else {
            violated("a literal value became a javascript: value", encoded)
        }
    }
}
