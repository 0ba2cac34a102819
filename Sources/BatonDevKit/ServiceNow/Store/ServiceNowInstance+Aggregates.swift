/// What the Aggregate API counts: rows that match and that the user may read — a count
/// never reveals a row the Table API would hide.
extension ServiceNowInstance {
    /// One group of the Aggregate API's answer: its `group_by` values (stored and shown) and rows.
    struct AggregateGroup: Sendable {
        var fields: [(field: String, value: String, display: String)]
        var rows: [ServiceNowRecord]
    }

    /// The readable rows of `table` matching `query`, grouped by `groupBy` (one group when empty).
    func aggregate(_ table: String, query: EncodedQuery, groupBy: [String], fields: [String], as session: Session) throws -> [AggregateGroup] {
        let schema = try schema(table)
        if let unknown = (groupBy + fields).first(where: { !isKnownPath($0, in: schema) }) {
            throw ServiceNowFailure.badRequest("Invalid field: \(unknown)", detail: "\(table) has no field \(unknown)")
        }
        let known = query.droppingConditions { !self.isKnownPath($0, in: schema) }
        let evaluator = evaluator(for: session, table: table)
        var rows: [ServiceNowRecord] = []
        for record in tables[table] ?? [] where try evaluator.matches(record, known) && canRead(record, table: table, as: session) {
            rows.append(record)
        }
        guard !groupBy.isEmpty else { return [AggregateGroup(fields: [], rows: rows)] }
        var groups: [[String]: AggregateGroup] = [:]
        for row in rows {
            let values = groupBy.map { (field: $0, value: resolve(row, $0, in: table).value, display: shown(row, $0, in: table)) }
            groups[values.map(\.value), default: AggregateGroup(fields: values, rows: [])].rows.append(row)
        }
        return groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.compactMap { groups[$0] }
    }

    /// A field's value as people see it: a reference's display value, a choice's label.
    private func shown(_ record: ServiceNowRecord, _ path: String, in table: String) -> String {
        let resolved = resolve(record, path, in: table)
        if let display = resolved.display { return display }
        if case .choice(let labels)? = schemas[table]?.kind(of: path) { return labels[resolved.value] ?? resolved.value }
        return resolved.value
    }
}
