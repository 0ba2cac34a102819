import Foundation

/// Builds a ServiceNow encoded query from parts, so agent or user text can never smuggle
/// a separator in: field names must be ServiceNow names, every `^` in a value is doubled,
/// control characters are dropped, and `IN` values may not hold commas.
public struct EncodedQueryBuilder: Sendable, Equatable {
    public enum Operator: String, Sendable, CaseIterable {
        case equals = "="
        case notEquals = "!="
        case like = "LIKE"
        case notLike = "NOT LIKE"
        case startsWith = "STARTSWITH"
        case endsWith = "ENDSWITH"
        case `in` = "IN"
        case notIn = "NOT IN"
        case isEmpty = "ISEMPTY"
        case isNotEmpty = "ISNOTEMPTY"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        var takesValue: Bool { self != .isEmpty && self != .isNotEmpty }
    }

    private var terms: [String] = []

    public init() {}

    /// ANDs `field op value`.
    public mutating func add(_ field: String, _ op: Operator, _ value: String = "") throws(QueryBuildError) {
        terms.append(try Self.condition(field, op, value))
    }

    /// ANDs `field IN a,b,c`; a value holding a comma cannot be expressed and is refused.
    public mutating func add(_ field: String, in values: [String]) throws(QueryBuildError) {
        if let bad = values.first(where: { $0.contains(",") }) { throw .commaInList(field: field, value: bad) }
        try add(field, .in, values.joined(separator: ","))
    }

    /// ANDs a condition whose value is a ServiceNow dynamic expression, e.g. `gs.getUserID()`.
    public mutating func add(_ field: String, _ op: Operator, script: DynamicValue) throws(QueryBuildError) {
        try Self.checkField(field)
        terms.append("\(field)\(op.rawValue)javascript:\(script.rawValue)")
    }

    /// ORs `field op value` with the condition before it.
    public mutating func or(_ field: String, _ op: Operator, _ value: String = "") throws(QueryBuildError) {
        guard !terms.isEmpty else { throw .orWithoutCondition }
        terms.append("OR" + (try Self.condition(field, op, value)))
    }

    public mutating func order(by field: String, descending: Bool = false) throws(QueryBuildError) {
        try Self.checkField(field)
        terms.append((descending ? "ORDERBYDESC" : "ORDERBY") + field)
    }

    /// The encoded query, terms joined by `^`.
    public var encoded: String {
        terms.joined(separator: "^")
    }

    /// The dynamic values agents use.
    public enum DynamicValue: String, Sendable {
        case currentUser = "gs.getUserID()"
        case currentUserName = "gs.getUserName()"
        case myGroups = "getMyGroups()"
    }

    private static func condition(_ field: String, _ op: Operator, _ value: String) throws(QueryBuildError) -> String {
        try checkField(field)
        guard op.takesValue else { return field + op.rawValue }
        let clean = escaped(value)
        if op == .in || op == .notIn, clean.isEmpty { throw .emptyList(field) }
        // Checked after the control characters are gone: "\u{1}javascript:…" must not become a script.
        if Self.isScript(clean) { throw .scriptInValue(field) }
        // `<` or `>` then a value starting with `=` reads back as `<=` or `>=`.
        if op == .less || op == .greater, clean.unicodeScalars.first == "=" { throw .ambiguousValue(field: field, op: op.rawValue) }
        return field + op.rawValue + clean
    }

    /// Whether the platform would run `value` as a script: `javascript:` after any blanks, in
    /// any case, compared scalar by scalar (a combining mark must not hide the colon).
    public static func isScript(_ value: String) -> Bool {
        value.trimmingCharacters(in: .whitespaces).lowercased().unicodeScalars.starts(with: "javascript:".unicodeScalars)
    }

    /// `value` without control characters and with every `^` doubled — scalar by scalar, as
    /// the platform reads it: a `^` followed by a combining mark is one grapheme cluster to
    /// Swift's `String` but still a separator to ServiceNow.
    private static func escaped(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars where !CharacterSetASCII.isControl(scalar) {
            scalars.append(scalar)
            if scalar == "^" { scalars.append(scalar) }
        }
        return String(scalars)
    }

    private static func checkField(_ field: String) throws(QueryBuildError) {
        let valid = !field.isEmpty && field.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "." }
        guard valid else { throw .invalidField(field) }
    }
}

/// Why a query could not be built.
public enum QueryBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidField(String)
    case emptyList(String)
    case scriptInValue(String)
    case orWithoutCondition
    case commaInList(field: String, value: String)
    case ambiguousValue(field: String, op: String)

    public var description: String {
        switch self {
        case .invalidField(let field): "'\(field)' is not a ServiceNow field name (lower-case letters, digits, _ and . only)"
        case .emptyList(let field): "the IN list for '\(field)' is empty"
        case .scriptInValue(let field): "the value for '\(field)' may not be a javascript: expression"
        case .orWithoutCondition: "an OR needs a condition before it"
        case .commaInList(let field, let value):
            "the IN list for '\(field)' cannot hold '\(value)': a comma cannot be expressed in an encoded query list"
        case .ambiguousValue(let field, let op):
            "a value for '\(field)' \(op) cannot start with '=': the encoded query would read as \(op)= instead"
        }
    }
}

enum CharacterSetASCII {
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }
}
