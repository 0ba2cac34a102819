import Foundation

/// An agent's answer for a terminal: the text, a list in the data as a table, the chain.
enum AnswerPrinter {
    static func render(_ object: [String: Any]) -> String {
        var lines = [object["answer"] as? String ?? ""]
        if let data = object["data"] as? [String: Any], let rows = data.values.compactMap({ $0 as? [[String: Any]] }).first, !rows.isEmpty {
            lines.append("")
            lines.append(table(rows))
        }
        if let chain = object["chain_id"] as? String {
            let hops = (object["hops"] as? [[String: Any]] ?? []).compactMap { $0["agent"] as? String }
            lines.append("")
            lines.append("chain \(chain): \(hops.joined(separator: " → "))")
        }
        return lines.joined(separator: "\n")
    }

    /// Rows as a text table; incident-like rows show their usual columns.
    static func table(_ rows: [[String: Any]]) -> String {
        let preferred = ["number", "short_description", "state", "priority", "assigned_to", "sys_updated_by", "subject", "Name", "Id"]
        let present = Set(rows.flatMap { $0.keys })
        var columns = preferred.filter(present.contains)
        if columns.isEmpty { columns = Array(present.sorted().prefix(5)) }
        let cells = rows.map { row in columns.map { text(row[$0]) } }
        return TextTable(rows: [columns] + cells).rendered
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        case let object as [String: Any]: (object["display_value"] ?? object["value"]).map { "\($0)" } ?? ""
        default: ""
        }
    }
}
