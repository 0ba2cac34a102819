import BatonCore
import BatonIdentity

extension ServiceNowInstance {
    /// `records` as the Table API writes them: every value a string; references as
    /// `{link, value}` objects or plain values per `sysparm_display_value` and
    /// `sysparm_exclude_reference_link`; journals as their formatted history when display
    /// values are asked for.
    func render(_ records: [ServiceNowRecord], table: String, options: RenderOptions, as session: Session) -> [JSONValue] {
        records.map { render($0, table: table, options: options, as: session) }
    }

    func render(_ record: ServiceNowRecord, table: String, options: RenderOptions, as session: Session) -> JSONValue {
        guard let schema = schemas[table] else { return .object([:]) }
        let names = options.fields.isEmpty ? schema.fields.map(\.name) : options.fields.filter { isKnownPath($0, in: schema) }
        var object: JSONObject = [:]
        for name in names {
            object[name] = renderField(record, path: name, table: table, options: options, as: session)
        }
        return .object(object)
    }

    private func renderField(_ record: ServiceNowRecord, path: String, table: String, options: RenderOptions, as session: Session) -> JSONValue {
        let (owner, ownerTable, field) = walk(record, path: path, table: table)
        guard let owner, let kind = schemas[ownerTable]?.kind(of: field) else { return "" }
        let value = owner[field] ?? ""
        switch kind {
        case .reference(let target):
            guard !value.isEmpty else { return "" }
            let link = "\(options.apiBase)/table/\(target)/\(value)"
            let display = resolve(owner, field, in: ownerTable).display ?? ""
            switch (options.displayValue, options.excludeReferenceLink) {
            case (.stored, false): return ["link": .string(link), "value": .string(value)]
            case (.stored, true): return .string(value)
            case (.display, false): return ["display_value": .string(display), "link": .string(link)]
            case (.display, true): return .string(display)
            case (.all, false): return ["display_value": .string(display), "link": .string(link), "value": .string(value)]
            case (.all, true): return ["display_value": .string(display), "value": .string(value)]
            }
        case .journal:
            guard options.displayValue != .stored else { return "" }
            let readable = visibility(of: owner, table: ownerTable, as: session)
            let label = field == "work_notes" ? "Work notes" : "Additional comments"
            let history = journal(of: owner.sysID, element: field, as: session, parentReadable: readable)
                .map { "\($0["sys_created_on"] ?? "") - \(displayName(of: $0["sys_created_by"] ?? "")) (\(label))\n\($0["value"] ?? "")\n" }
                .joined(separator: "\n")
            return options.displayValue == .all ? ["display_value": .string(history), "value": ""] : .string(history)
        case .choice(let labels):
            let display = labels[value] ?? value
            switch options.displayValue {
            case .stored: return .string(value)
            case .display: return .string(display)
            case .all: return ["display_value": .string(display), "value": .string(value)]
            }
        default:
            return options.displayValue == .all ? ["display_value": .string(value), "value": .string(value)] : .string(value)
        }
    }

    /// The record and table that hold the last segment of a dot-walked path.
    private func walk(_ record: ServiceNowRecord, path: String, table: String) -> (ServiceNowRecord?, String, String) {
        var current: ServiceNowRecord? = record
        var currentTable = table
        let parts = path.split(separator: ".").map(String.init)
        for part in parts.dropLast() {
            guard case .reference(let target)? = schemas[currentTable]?.kind(of: part), let id = current?[part] else { return (nil, table, path) }
            current = recordByID(target, id)
            currentTable = target
        }
        return (current, currentTable, parts.last ?? path)
    }

    private func displayName(of userName: String) -> String {
        user(where: "user_name", equals: userName)?["name"] ?? userName
    }
}
