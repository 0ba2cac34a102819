import Foundation

/// The figures of a soak and the checks it must pass.
struct SoakReport: Sendable {
    let chains: Int
    let clients: Int
    var elapsed: Duration = .zero
    var rotations = 0
    var outcomes: [String: Int] = [:]
    var warmUpOutcomes: [String: Int] = [:]
    /// `scenario → outcome` pairs no scenario expects, with their counts.
    var unexpected: [String: Int] = [:]
    /// (chains done, RSS MB): after warm-up, every 10 s, and at the end.
    var rss: [(Int, Int)] = []
    var openFilesBefore = 0
    var openFilesAfter = 0
    var ledger = SoakLedgerCount()
    var verified = ""
    var intact = false

    /// Open files the end may hold beyond the start (a pooled connection the load opened late).
    static let openFileSlack = 8

    var sent: Int { chains + warmUpOutcomes.values.reduce(0, +) }
    var answeredOK: Int { (outcomes["ok"] ?? 0) + (warmUpOutcomes["ok"] ?? 0) }
    var refused: Int { (outcomes["delegation_cycle"] ?? 0) + (warmUpOutcomes["delegation_cycle"] ?? 0) }

    /// RSS is flat when the end is within 25 % (and 16 MB) of the first sample after a fifth of the run.
    var rssIsFlat: Bool {
        guard let last = rss.last?.1, let baseline = rss.first(where: { $0.0 >= chains / 5 })?.1 ?? rss.first?.1 else { return false }
        return Double(last) <= Double(baseline) * 1.25 + 16
    }

    /// Each check: what it compares and whether it holds.
    var checks: [(String, Bool)] {
        [
            ("chains in the ledger (\(ledger.chains)) = chains sent (\(sent))", ledger.chains == sent),
            ("inbound entries (\(ledger.inbound)) = chains sent (\(sent))", ledger.inbound == sent),
            ("chains with a ServiceNow 200 (\(ledger.downstreamOK)) = answers 200 (\(answeredOK))", ledger.downstreamOK == answeredOK),
            ("chains with a deny entry (\(ledger.denied)) = delegations refused (\(refused))", ledger.denied == refused),
            ("no unexpected outcome (\(unexpected.values.reduce(0, +)))", unexpected.isEmpty),
            ("RSS flat after warm-up", rssIsFlat),
            (
                "open files after (\(openFilesAfter)) ≤ before (\(openFilesBefore)) + \(Self.openFileSlack)",
                openFilesAfter <= openFilesBefore + Self.openFileSlack
            ),
            ("audit verify: \(verified)", intact),
        ]
    }

    var passed: Bool { checks.allSatisfy(\.1) }

    var lines: [String] {
        let seconds = elapsed.timeInterval
        var lines = [
            String(
                format: "%d chains on %d clients in %.0f s: %.0f chains/s; %d key rotations", chains, clients, seconds, Double(chains) / seconds,
                rotations),
            "outcomes: " + outcomes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "ledger: \(ledger.entries) entries for \(ledger.chains) chains (\(String(format: "%.2f", Double(ledger.entries) / Double(max(ledger.chains, 1)))) per chain)",
            "ServiceNow answered (retries included): "
                + ledger.downstreamStatuses.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "),
            "RSS MB (chains done: MB): " + rss.map { "\($0.0): \($0.1)" }.joined(separator: ", "),
            "open files: \(openFilesBefore) before, \(openFilesAfter) after",
        ]
        if !unexpected.isEmpty {
            lines.append("unexpected: " + unexpected.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
        lines += checks.map { "\($0.1 ? "ok  " : "FAIL") \($0.0)" }
        return lines
    }
}
