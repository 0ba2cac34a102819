import Foundation

/// Who a query runs as: what `javascript:gs.getUserID()` and friends evaluate to.
struct QuerySession: Sendable {
    var userID: String
    var userName: String
    var groupIDs: [String]
    var now: Date
}

/// Evaluates an ``EncodedQuery`` against records, with the platform's comparison rules:
/// text case-insensitive, integers numerically, date-times in `yyyy-MM-dd HH:mm:ss` order,
/// references by sys_id for `=`/`IN` and by display value for `LIKE`/`STARTSWITH`.
struct QueryEvaluator {
    /// A field's stored value and, for references, the referenced record's display value.
    typealias Resolve = (_ record: ServiceNowRecord, _ path: String) -> (value: String, display: String?, isReference: Bool)

    let session: QuerySession
    let resolve: Resolve

    static let dynamicMe = "90d1921e5f510100a9ad2572f2b477fe"
    static let dynamicMyGroups = "d6435e965f510100a9ad2572f2b47744"

    func matches(_ record: ServiceNowRecord, _ query: EncodedQuery) throws(QueryError) -> Bool {
        if query.groups.isEmpty { return true }
        for group in query.groups {
            var all = true
            for term in group {
                var any = false
                for condition in term {
                    if try matches(record, condition) {
                        any = true
                        break
                    }
                }
                if !any {
                    all = false
                    break
                }
            }
            if all { return true }
        }
        return false
    }

    func matches(_ record: ServiceNowRecord, _ condition: EncodedQuery.Condition) throws(QueryError) -> Bool {
        let field = resolve(record, condition.field)
        let stored = field.value
        let text = field.isReference ? (field.display ?? "") : stored
        switch condition.op {
        case .anything: return true
        case .isEmpty: return stored.isEmpty
        case .isNotEmpty: return !stored.isEmpty
        case .emptyString: return stored.isEmpty
        case .equals:
            let values = try evaluate(condition.value)
            return values.contains { Self.equal(stored, $0) }
        case .notEquals:
            let values = try evaluate(condition.value)
            return !values.contains { Self.equal(stored, $0) }
        case .in: return try list(condition.value).contains { Self.equal(stored, $0) }
        case .notIn: return !(try list(condition.value).contains { Self.equal(stored, $0) })
        case .like, .contains: return text.localizedCaseInsensitiveContains(try single(condition.value))
        case .notLike, .notLikeCompact: return !text.localizedCaseInsensitiveContains(try single(condition.value))
        case .startsWith: return text.lowercased().hasPrefix(try single(condition.value).lowercased())
        case .endsWith: return text.lowercased().hasSuffix(try single(condition.value).lowercased())
        case .less: return try Self.compare(stored, single(condition.value)) == .orderedAscending
        case .lessOrEqual: return try Self.compare(stored, single(condition.value)) != .orderedDescending
        case .greater: return try Self.compare(stored, single(condition.value)) == .orderedDescending
        case .greaterOrEqual: return try Self.compare(stored, single(condition.value)) != .orderedAscending
        case .between:
            let bounds = condition.value.split(separator: "@", maxSplits: 1).map(String.init)
            guard bounds.count == 2 else { throw .invalid("BETWEEN needs low@high, got '\(condition.value)'") }
            let low = try single(bounds[0])
            let high = try single(bounds[1])
            return !stored.isEmpty && Self.compare(stored, low) != .orderedAscending && Self.compare(stored, high) != .orderedDescending
        case .dynamic:
            switch condition.value {
            case Self.dynamicMe: return stored == session.userID
            case Self.dynamicMyGroups: return session.groupIDs.contains(stored)
            default: throw .invalid("unknown dynamic filter '\(condition.value)'")
            }
        }
    }

    /// Sorts by the query's `ORDERBY` terms, in order; ties keep the table's order.
    func sorted(_ records: [ServiceNowRecord], by ordering: [EncodedQuery.Ordering]) -> [ServiceNowRecord] {
        guard !ordering.isEmpty else { return records }
        return records.enumerated().sorted { left, right in
            for order in ordering {
                let result = Self.compare(resolve(left.element, order.field).value, resolve(right.element, order.field).value)
                if result != .orderedSame { return order.descending ? result == .orderedDescending : result == .orderedAscending }
            }
            return left.offset < right.offset
        }.map(\.element)
    }

    // MARK: - Values

    private func single(_ value: String) throws(QueryError) -> String {
        try evaluate(value).first ?? ""
    }

    private func list(_ value: String) throws(QueryError) -> [String] {
        var values: [String] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) { values += try evaluate(String(part)) }
        return values
    }

    /// A literal, or the value of an allowed `javascript:` expression (a list for `getMyGroups()`).
    func evaluate(_ value: String) throws(QueryError) -> [String] {
        guard value.hasPrefix("javascript:") else { return [value == "NULL" ? "" : value] }
        let expression = value.dropFirst("javascript:".count).replacingOccurrences(of: " ", with: "")
        switch expression {
        case "gs.getUserID()", "gs.getUser().getID()": return [session.userID]
        case "gs.getUserName()": return [session.userName]
        case "getMyGroups()", "gs.getUser().getMyGroups()": return session.groupIDs
        case "gs.now()", "gs.nowDateTime()": return [ServiceNowTime.format(session.now)]
        case "gs.beginningOfToday()": return [ServiceNowTime.format(ServiceNowTime.startOfDay(session.now))]
        case "gs.endOfToday()": return [ServiceNowTime.format(ServiceNowTime.startOfDay(session.now).addingTimeInterval(86_399))]
        default: break
        }
        for (function, unit) in [("gs.daysAgoStart(", 86_400.0), ("gs.hoursAgoStart(", 3_600.0), ("gs.minutesAgoStart(", 60.0)]
        where expression.hasPrefix(function) && expression.hasSuffix(")") {
            guard let count = Double(expression.dropFirst(function.count).dropLast()) else { break }
            var date = session.now.addingTimeInterval(-count * unit)
            if unit == 86_400 { date = ServiceNowTime.startOfDay(date) }
            return [ServiceNowTime.format(date)]
        }
        throw .invalid(
            "the expression '\(value)' is not supported by the emulator (supported: gs.getUserID(), gs.getUserName(), getMyGroups(), gs.now(), gs.beginningOfToday(), gs.endOfToday(), gs.daysAgoStart(n), gs.hoursAgoStart(n), gs.minutesAgoStart(n))"
        )
    }

    static func equal(_ left: String, _ right: String) -> Bool {
        left.caseInsensitiveCompare(right) == .orderedSame
    }

    /// Numbers numerically, everything else (text, date-times) case-insensitively.
    static func compare(_ left: String, _ right: String) -> ComparisonResult {
        if let l = Double(left), let r = Double(right) { return l < r ? .orderedAscending : (l > r ? .orderedDescending : .orderedSame) }
        return left.caseInsensitiveCompare(right)
    }
}

/// ServiceNow's stored date-time form: UTC, `yyyy-MM-dd HH:mm:ss`.
enum ServiceNowTime {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    static func startOfDay(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }
}
