import BatonLedger

/// One chain: its picture (user → agents → downstream systems, each with outcome, time and
/// token source), a summary, the entries behind it and the exports.
struct ChainPage {
    let chainID: String
    let entries: [LedgerEntry]
    let proofAvailable: Bool

    func html(layout: ConsoleLayout) -> HTML {
        let picture = ChainPicture(entries: entries)
        let first = entries.first
        let last = entries.last
        let outcome = ChainPicture.outcome(of: entries).rawValue
        let user = first?.user.map { $0.username ?? $0.objectID } ?? "(no user)"
        let path = ConsoleLayout.path(chainID)
        let span = (first?.timestamp).flatMap { start in (last?.timestamp).map { ConsoleLayout.milliseconds($0 - start) } } ?? ""
        let proof: HTML = proofAvailable ? " · <a href=\"/console/chains/\(path)/proof.json\" download>proof bundle</a>" : ""
        let content: HTML = """
            <dl class="facts"><dt>User</dt><dd><a href="/console/users/\(ConsoleLayout.path(user))">\(user)</a></dd>\
            <dt>Chain</dt><dd><code>\(chainID)</code></dd><dt>Started</dt><dd>\(first.map { ConsoleLayout.time(microseconds: $0.timestamp) })</dd>\
            <dt>Span</dt><dd>\(span)</dd><dt>Outcome</dt><dd class="outcome-\(outcome)">\(outcome)</dd><dt>Entries</dt><dd>\(entries.count)</dd>\
            <dt>Trace</dt><dd>\(layout.trace(first?.traceID))</dd></dl>
            <p class="exports">Export: <a href="/console/chains/\(path)/entries.json" download>JSON</a> · <a href="/console/chains/\(path)/entries.csv" download>CSV</a>\(proof)</p>
            <figure class="picture"><figcaption>Who acted, through which agents. Select a box for the entries behind it.</figcaption>\(picture.svg)</figure>
            \(EntryTable.html(entries, caption: "The entries of this chain", layout: layout, showChain: false))
            """
        return layout.page("Chain \(chainID.prefix(8))…", section: nil, content)
    }
}
