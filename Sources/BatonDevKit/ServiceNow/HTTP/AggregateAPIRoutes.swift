import BatonCore
import Foundation
import Hummingbird

/// `GET /api/now[/v1]/stats/{table}`: the Aggregate API — `sysparm_count`, `sysparm_group_by`,
/// `sysparm_avg_fields`, `sysparm_min_fields`, `sysparm_max_fields`, `sysparm_sum_fields`,
/// `sysparm_query`, `sysparm_having` (`aggregate^field^operator^value`) and
/// `sysparm_display_value`, answered in the platform's shapes. Counts only rows the user may read.
struct AggregateAPIRoutes: Sendable {
    let emulator: ServiceNowEmulator
    /// The Table API's request handling (faults, authentication, error bodies), shared.
    var table: TableAPIRoutes { TableAPIRoutes(emulator: emulator) }

    func register(on router: Router<BasicRequestContext>) {
        for prefix in ["api/now/stats", "api/now/:version/stats"] {
            router.get("\(prefix)/:table") { request, context in await table.respond(request, context) { try await stats($0, $1, $2) } }
        }
    }

    private static let aggregates = ["avg", "min", "max", "sum"]

    private func stats(_ request: Request, _ target: TableAPIRoutes.Target, _ session: ServiceNowInstance.Session) async throws -> Response {
        let parameters = request.uri.queryParameters
        let list = { (name: String) in
            (parameters.get(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let counting = parameters.get("sysparm_count") == "true"
        let groupBy = list("sysparm_group_by")
        let fields = Dictionary(uniqueKeysWithValues: Self.aggregates.map { ($0, list("sysparm_\($0)_fields")) })
        guard counting || !groupBy.isEmpty || fields.values.contains(where: { !$0.isEmpty }) else {
            throw ServiceNowFailure.badRequest(
                "Invalid request", detail: "Ask for sysparm_count=true, sysparm_group_by or one of sysparm_avg/min/max/sum_fields")
        }
        let having = try parameters.get("sysparm_having").map(Having.init(parsing:))
        let display = ["true", "all"].contains(parameters.get("sysparm_display_value")?.lowercased() ?? "")
        let groups = try await emulator.instance.aggregate(
            target.table, query: try EncodedQuery(parsing: parameters.get("sysparm_query") ?? ""), groupBy: groupBy,
            fields: fields.values.flatMap { $0 } + (having.map { $0.field == "*" ? [] : [$0.field] } ?? []), as: session)
        var results: [JSONValue] = []
        for group in groups {
            if let having, !having.holds(for: group.rows) { continue }
            var stats: JSONObject = counting || groupBy.isEmpty == false ? ["count": .string(String(group.rows.count))] : [:]
            for (aggregate, names) in fields where !names.isEmpty {
                var values: JSONObject = [:]
                for name in names { values[name] = .string(Self.aggregate(aggregate, of: name, over: group.rows)) }
                stats[aggregate] = .object(values)
            }
            var result: JSONObject = ["stats": .object(stats)]
            if !groupBy.isEmpty {
                result["groupby_fields"] = .array(
                    group.fields.map { field in
                        var entry: JSONObject = ["field": .string(field.field), "value": .string(field.value)]
                        if display { entry["display_value"] = .string(field.display) }
                        return .object(entry)
                    })
            }
            results.append(.object(result))
        }
        return TableAPIRoutes.json(.ok, ["result": groupBy.isEmpty ? (results.first ?? ["stats": [:]]) : .array(results)])
    }

    /// `avg`, `min`, `max` or `sum` of a field over rows: numbers when every value is one,
    /// else (`min`, `max`) the text order.
    static func aggregate(_ aggregate: String, of field: String, over rows: [ServiceNowRecord]) -> String {
        let texts = rows.map { $0[field] ?? "" }.filter { !$0.isEmpty }
        let numbers = texts.compactMap(Double.init)
        let numeric = !texts.isEmpty && numbers.count == texts.count
        func format(_ value: Double) -> String { value == value.rounded() ? String(Int64(value)) : String(format: "%.4f", value) }
        switch aggregate {
        case "avg": return numeric ? String(format: "%.4f", numbers.reduce(0, +) / Double(numbers.count)) : ""
        case "sum": return numeric ? format(numbers.reduce(0, +)) : "0"
        case "min": return numeric ? format(numbers.min()!) : texts.min() ?? ""
        default: return numeric ? format(numbers.max()!) : texts.max() ?? ""
        }
    }

    /// `sysparm_having=count^*^>^1` or `avg^reassignment_count^>=^2`.
    struct Having {
        let aggregate: String
        let field: String
        let comparison: String
        let value: Double

        init(parsing text: String) throws {
            let parts = text.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4, ["count", "avg", "min", "max", "sum"].contains(parts[0].lowercased()),
                [">", "<", "=", ">=", "<=", "!="].contains(parts[2]), let value = Double(parts[3])
            else {
                throw ServiceNowFailure.badRequest(
                    "Invalid sysparm_having", detail: "expected aggregate^field^operator^value, such as count^*^>^1")
            }
            (aggregate, field, comparison, self.value) = (parts[0].lowercased(), parts[1], parts[2], value)
        }

        func holds(for rows: [ServiceNowRecord]) -> Bool {
            let measured =
                aggregate == "count" ? Double(rows.count) : Double(AggregateAPIRoutes.aggregate(aggregate, of: field, over: rows)) ?? .nan
            switch comparison {
            case ">": return measured > value
            case "<": return measured < value
            case ">=": return measured >= value
            case "<=": return measured <= value
            case "!=": return measured != value
            default: return measured == value
            }
        }
    }
}
