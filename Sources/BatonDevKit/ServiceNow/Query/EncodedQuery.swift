/// A parsed ServiceNow encoded query (`sysparm_query`): groups joined by `^NQ` (OR), each
/// an AND of terms, each term an OR (`^OR`) of conditions; plus `ORDERBY`/`ORDERBYDESC`.
///
/// Tokenising follows the platform: after each `^`, `ORDERBYDESC`, `ORDERBY`, `NQ`, `EQ` and
/// `OR` are tried in that order, case-sensitively; `^^` is a literal caret in a value. It
/// works on Unicode scalars, as the platform works on code units: a combining mark after a
/// `^` or an operator (`=͞`) must not hide the separator or the operator inside one
/// grapheme cluster.
struct EncodedQuery: Sendable, Equatable {
    struct Condition: Sendable, Equatable {
        var field: String
        var op: QueryOperator
        var value: String
    }

    struct Ordering: Sendable, Equatable {
        var field: String
        var descending: Bool
    }

    /// `groups[g][t][c]`: group g (ORed with the others), term t (ANDed), condition c (ORed).
    var groups: [[[Condition]]] = []
    var ordering: [Ordering] = []

    static let empty = EncodedQuery()

    init() {}

    init(parsing text: String) throws(QueryError) {
        var group: [[Condition]] = []
        for (joiner, segment) in Self.segments(text) {
            if let field = Self.after("ORDERBYDESC", in: segment) {
                ordering.append(Ordering(field: field, descending: true))
                continue
            }
            if let field = Self.after("ORDERBY", in: segment) {
                ordering.append(Ordering(field: field, descending: false))
                continue
            }
            if segment.isEmpty || segment == "EQ" { continue }
            let condition = try Self.condition(segment)
            switch joiner {
            case .or where !group.isEmpty:
                group[group.count - 1].append(condition)
            case .newQuery:
                if !group.isEmpty { groups.append(group) }
                group = [[condition]]
            default:
                group.append([condition])
            }
        }
        if !group.isEmpty { groups.append(group) }
    }

    /// Drops conditions on fields `isKnown` rejects, as the platform ignores invalid parts.
    func droppingConditions(where isUnknown: (String) -> Bool) -> EncodedQuery {
        var copy = self
        copy.groups = groups.map { group in group.map { $0.filter { !isUnknown($0.field) } }.filter { !$0.isEmpty } }.filter { !$0.isEmpty }
        copy.ordering = ordering.filter { !isUnknown($0.field) }
        return copy
    }

    var fields: [String] { groups.flatMap { $0.flatMap { $0.map(\.field) } } + ordering.map(\.field) }

    // MARK: - Tokenising

    enum Joiner { case start, and, or, newQuery }

    /// The query cut at each separator, with `^^` unescaped inside values.
    static func segments(_ text: String) -> [(Joiner, String)] {
        var result: [(Joiner, String)] = []
        var joiner = Joiner.start
        var current = String.UnicodeScalarView()
        var scalars = Substring(text).unicodeScalars
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            guard scalar == "^" else {
                current.append(scalar)
                continue
            }
            if scalars.first == "^" {
                current.append("^")
                scalars = scalars.dropFirst()
                continue
            }
            result.append((joiner, String(current)))
            current = String.UnicodeScalarView()
            if scalars.starts(with: "ORDERBY".unicodeScalars) {
                joiner = .and
            } else if scalars.starts(with: "NQ".unicodeScalars) {
                joiner = .newQuery
                scalars = scalars.dropFirst(2)
            } else if scalars.starts(with: "OR".unicodeScalars) {
                joiner = .or
                scalars = scalars.dropFirst(2)
            } else {
                joiner = .and
            }
        }
        result.append((joiner, String(current)))
        return result
    }

    /// What follows `prefix` in `text`, compared scalar by scalar; `nil` when it does not start so.
    static func after(_ prefix: String, in text: String) -> String? {
        guard text.unicodeScalars.starts(with: prefix.unicodeScalars) else { return nil }
        return String(text.unicodeScalars.dropFirst(prefix.unicodeScalars.count))
    }

    static func condition(_ segment: String) throws(QueryError) -> Condition {
        let name = segment.unicodeScalars.prefix { $0.properties.isLowercase || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
        let field = String(String.UnicodeScalarView(name))
        guard !field.isEmpty else { throw .invalid("the condition '\(segment)' does not start with a field name (lower case)") }
        let rest = String(String.UnicodeScalarView(segment.unicodeScalars.dropFirst(name.count)))
        for op in QueryOperator.matchOrder {
            if let value = Self.after(op.rawValue, in: rest) { return Condition(field: field, op: op, value: value) }
        }
        throw .invalid("unsupported operator in '\(segment)'")
    }
}

/// The operators of the emulated subset, spelled as in an encoded query.
enum QueryOperator: String, Sendable, CaseIterable {
    case notLike = "NOT LIKE"
    case notLikeCompact = "NOTLIKE"
    case notIn = "NOT IN"
    case startsWith = "STARTSWITH"
    case endsWith = "ENDSWITH"
    case isNotEmpty = "ISNOTEMPTY"
    case isEmpty = "ISEMPTY"
    case emptyString = "EMPTYSTRING"
    case anything = "ANYTHING"
    case between = "BETWEEN"
    case dynamic = "DYNAMIC"
    case contains = "CONTAINS"
    case like = "LIKE"
    case `in` = "IN"
    case notEquals = "!="
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case equals = "="
    case less = "<"
    case greater = ">"

    /// Longest spellings first, so `NOT LIKE` is never read as something shorter.
    static let matchOrder: [QueryOperator] = allCases
}

/// A query the emulator cannot run: answered 400 with the reason.
struct QueryError: Error, Sendable, Equatable {
    let message: String

    static func invalid(_ message: String) -> QueryError { QueryError(message: message) }
}
