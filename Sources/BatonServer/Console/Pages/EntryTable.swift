import BatonLedger

/// Ledger entries as a table: one row per entry, each with an `entry-SEQ` anchor the
/// chain picture links to, and the outcome written out as well as coloured.
enum EntryTable {
    static func html(_ entries: [LedgerEntry], caption: String, layout: ConsoleLayout, showChain: Bool = true) -> HTML {
        guard !entries.isEmpty else { return "<p class=\"empty\">No entries.</p>" }
        let rows: [HTML] = entries.map { row($0, showChain: showChain, layout: layout) }
        let traceHeader: HTML = layout.traceURL == nil ? "" : "<th scope=\"col\">Trace</th>"
        let chainHeader: HTML = showChain ? "<th scope=\"col\">Chain</th>" : ""
        return """
            <div class="scroll"><table class="entries"><caption>\(caption)</caption><thead><tr><th scope="col">#</th><th scope="col">Time (UTC)</th>\
            \(chainHeader)<th scope="col">User</th><th scope="col">Hop</th><th scope="col">Agent</th><th scope="col">Kind</th><th scope="col">Target</th>\
            <th scope="col">Resource</th><th scope="col">Outcome</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Token from</th>\
            \(traceHeader)</tr></thead><tbody>\(rows)</tbody></table></div>
            """
    }

    private static func row(_ entry: LedgerEntry, showChain: Bool, layout: ConsoleLayout) -> HTML {
        let trace: HTML = layout.traceURL == nil ? "" : "<td>\(layout.trace(entry.traceID))</td>"
        let outcome = ChainPicture.outcome(of: [entry]).rawValue
        let user = entry.user.map { $0.username ?? $0.objectID }
        let userCell: HTML = user.map { "<a href=\"/console/users/\(ConsoleLayout.path($0))\">\($0)</a>" } ?? ""
        let resourceCell: HTML =
            entry.resource.map { "<a href=\"/console/resources\(ConsoleLayout.query([("name", $0)]))\">\($0)</a>" } ?? ""
        let chainCell: HTML =
            showChain
            ? "<td><a href=\"/console/chains/\(ConsoleLayout.path(entry.chainID))#entry-\(entry.sequence)\">\(String(entry.chainID.prefix(8)))…</a></td>"
            : ""
        return """
            <tr id="entry-\(entry.sequence)"><td>\(entry.sequence)</td><td>\(ConsoleLayout.time(microseconds: entry.timestamp))</td>\(chainCell)\
            <td>\(userCell)</td><td>\(entry.hop)</td><td>\(entry.agent)</td><td>\(entry.kind.rawValue)</td><td>\(entry.target)</td><td>\(resourceCell)</td>\
            <td class="outcome-\(outcome)">\(outcome)\(entry.reason.map { " — \($0)" } ?? "")</td><td>\(entry.status.map(String.init))</td>\
            <td>\(ConsoleLayout.milliseconds(entry.latencyMicroseconds))</td><td>\(entry.tokenSource)</td>\(trace)</tr>
            """
    }
}
