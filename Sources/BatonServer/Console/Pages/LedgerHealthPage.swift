import BatonLedger
import Foundation

/// The ledger's health: how many entries, the latest signed checkpoint and its witnesses,
/// how far the query index lags, and the last verification — intact, or the first bad entry.
struct LedgerHealthPage {
    let snapshot: LedgerHealth.Snapshot
    let session: ConsoleSession

    func html(layout: ConsoleLayout) -> HTML {
        let checkpoint: HTML =
            snapshot.checkpoint.map { checkpoint in
                """
                <dt>Latest signed checkpoint</dt><dd>covers entries 1–\(checkpoint.sequence), signed \(ConsoleLayout.time(microseconds: checkpoint.timestamp)) \
                with key <code>\(checkpoint.keyID)</code></dd>
                """
            } ?? "<dt>Latest signed checkpoint</dt><dd>none yet</dd>"
        let witnesses: HTML =
            snapshot.cosigners.isEmpty
            ? "<dt>Witness cosignatures</dt><dd>none on the latest checkpoint</dd>"
            : "<dt>Witness cosignatures</dt><dd>\(snapshot.cosigners.joined(separator: ", "))</dd>"
        let index: HTML =
            snapshot.indexLag.map { lag in
                "<dt>Query index</dt><dd>through entry \(snapshot.indexedThrough ?? 0); \(lag == 0 ? "up to date" : "\(lag) entries behind")</dd>"
            } ?? "<dt>Query index</dt><dd>not kept by this daemon</dd>"
        let facts: HTML = "<dl class=\"facts\"><dt>Entries</dt><dd>\(snapshot.entries)</dd>\(checkpoint)\(witnesses)\(index)</dl>"
        return layout.page("Ledger health", section: .ledger, "\(facts)<h2>Verification</h2>\(verification)")
    }

    private var verification: HTML {
        var text: HTML
        switch snapshot.verification {
        case nil:
            text = "<p class=\"status unknown\">Not verified since this daemon started.</p>"
        case let verification? where verification.firstProblem == nil:
            text = """
                <p class="status outcome-allowed">Intact: \(verification.entries) entries and \(verification.checkpoints) signed checkpoint(s) verified \
                in \(String(format: "%.2f", verification.seconds)) s, finished \(ConsoleLayout.time(verification.finishedAt)).\
                \(verification.cosignatures > 0 ? " \(verification.cosignatures) witness cosignature(s) checked." : "")</p>
                """
        case let verification?:
            text = """
                <p class="status outcome-error">Not intact: \(verification.problemCount) problem(s); the first bad entry is \
                \(verification.firstProblem?.sequence ?? 0) (\(verification.firstProblem?.description ?? "")). Finished \(ConsoleLayout.time(verification.finishedAt)).</p>
                """
        }
        if snapshot.verifying { text = "\(text)<p class=\"status\">A verification is running.</p>" }
        guard session.viewer.isAuditor else { return text }
        return """
            \(text)<form method="post" action="/console/ledger/verify">\(ConsoleLayout.csrfField(session))\
            <button type="submit">Verify the whole ledger now</button></form>
            """
    }
}
