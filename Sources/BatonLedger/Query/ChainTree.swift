import Foundation

/// One chain drawn as a tree: the user, then each hop indented under its parent, with
/// what happened, the outcome and the time taken.
public struct ChainTree: Sendable {
    public let entries: [LedgerEntry]

    public init(entries: [LedgerEntry]) {
        self.entries = entries.sorted { $0.sequence < $1.sequence }
    }

    public var rendered: String {
        guard let first = entries.first else { return "" }
        let user = first.user.map { "\($0.username ?? $0.objectID) (tid \($0.tenantID), oid \($0.objectID))" } ?? "(no user)"
        var lines = ["chain \(first.chainID) for \(user)"]
        for entry in entries {
            let indent = String(repeating: "   ", count: entry.hop)
            var line = "\(indent)└─ [\(entry.sequence)] \(entry.kind.rawValue) \(entry.agent ?? "-")"
            if let target = entry.target { line += " → \(target)" }
            if let resource = entry.resource { line += " \(resource)" }
            if let operation = entry.operation { line += " (\(operation))" }
            var outcome: [String] = []
            if let status = entry.status { outcome.append("\(status)") }
            if let decision = entry.decision { outcome.append(decision.rawValue) }
            if let reason = entry.reason { outcome.append(reason) }
            if let latency = entry.latencyMicroseconds { outcome.append(String(format: "%.1f ms", Double(latency) / 1000)) }
            if let source = entry.tokenSource { outcome.append("token from \(source)") }
            if !outcome.isEmpty { line += " — " + outcome.joined(separator: ", ") }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
