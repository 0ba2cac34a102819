import BatonLedger
import Foundation

/// A chain's entries for someone else's tools: JSON (the ledger's own field names, as
/// `GET /v1/audit` answers) and CSV (one row per entry, RFC 4180 quoting, and a leading
/// `'` on any cell a spreadsheet would run as a formula).
enum ChainExport {
    static let csvColumns = [
        "sequence", "time", "chain_id", "hop", "parent_hop", "kind", "user", "user_oid", "agent", "actor_path", "target", "resource", "operation",
        "status", "decision", "reason", "token_source", "latency_us", "trace_id",
    ]

    static func json(chainID: String, entries: [LedgerEntry]) throws -> Data {
        struct Export: Encodable {
            let chainID: String
            let entries: [LedgerEntry]

            enum CodingKeys: String, CodingKey {
                case chainID = "chain_id"
                case entries
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Export(chainID: chainID, entries: entries))
    }

    static func csv(_ entries: [LedgerEntry]) -> String {
        var text = csvColumns.joined(separator: ",") + "\r\n"
        for entry in entries {
            let cells: [String?] = [
                String(entry.sequence), ConsoleLayout.time(microseconds: entry.timestamp), entry.chainID, String(entry.hop),
                entry.parentHop.map(String.init),
                entry.kind.rawValue, entry.user?.username, entry.user?.objectID, entry.agent, entry.actorPath.joined(separator: " > "), entry.target,
                entry.resource, entry.operation, entry.status.map(String.init), entry.decision?.rawValue, entry.reason, entry.tokenSource,
                entry.latencyMicroseconds.map(String.init), entry.traceID,
            ]
            text += cells.map { cell($0 ?? "") }.joined(separator: ",") + "\r\n"
        }
        return text
    }

    /// One CSV cell: quoted when it holds a separator, quote or line break; a formula
    /// trigger (`=`, `+`, `-`, `@`, tab, CR) at the start is defused with `'`.
    static func cell(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
