import BatonCore
import BatonLedger
import Foundation

/// The frame every console page shares: the header with navigation and the signed-in
/// user, the red banner when the ledger's last verification failed, and the page's own
/// content. No inline script or style: the stylesheet and the one script are files the
/// Content-Security-Policy allows.
struct ConsoleLayout: Sendable {
    enum Section: String, CaseIterable, Sendable {
        case search = "Search", day = "My day", live = "Live", ledger = "Ledger", vault = "Vault"
    }

    let session: ConsoleSession?
    let verification: LedgerHealth.Verification?
    /// `console.trace_url`: where a trace id links to (`{trace_id}` replaced).
    var traceURL: String? = nil

    func page(_ title: String, section: Section?, scripts: [String] = [], _ content: HTML) -> HTML {
        let scriptTags: [HTML] = scripts.map { "<script src=\"/console/assets/\($0)\" defer></script>" }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · Baton audit console</title><link rel="stylesheet" href="/console/assets/console.css">\(scriptTags)</head>
            <body><a class="skip" href="#main">Skip to content</a>
            <header><span class="brand">Baton audit console</span>\(navigation(section))\(account)</header>
            \(banner)<main id="main" tabindex="-1"><h1>\(title)</h1>
            \(content)</main></body></html>
            """
    }

    private func navigation(_ current: Section?) -> HTML {
        guard let session else { return "" }
        let links: [HTML] = Section.allCases.map { section in
            let href =
                section == .day ? "/console/users/\(Self.path(session.viewer.username ?? session.viewer.objectID))" : "/console\(Self.href[section]!)"
            return section == current
                ? "<li><a href=\"\(href)\" aria-current=\"page\">\(section.rawValue)</a></li>"
                : "<li><a href=\"\(href)\">\(section.rawValue)</a></li>"
        }
        return "<nav aria-label=\"Console\"><ul>\(links)</ul></nav>"
    }

    private static let href: [Section: String] = [.search: "", .day: "", .live: "/live", .ledger: "/ledger", .vault: "/vault"]

    private var account: HTML {
        guard let session else { return "" }
        let role = session.viewer.isAuditor ? "auditor: every chain" : "your chains only"
        return """
            <form class="account" method="post" action="/console/signout"><span>\(session.viewer.displayName) (\(role))</span>\
            \(Self.csrfField(session))<button type="submit">Sign out</button></form>
            """
    }

    private var banner: HTML {
        guard let verification, let problem = verification.firstProblem else { return "" }
        return """
            <div class="banner failed" role="alert"><strong>The ledger does not verify.</strong> First bad entry: \
            <a href="/console/ledger">\(problem.sequence)</a> — \(problem.description). \
            \(verification.problemCount) problem(s) found by the verification that finished \(Self.time(verification.finishedAt)).</div>
            """
    }

    /// A trace id, linked to the tracing backend when `console.trace_url` is set.
    func trace(_ id: String?) -> HTML {
        guard let id, !id.isEmpty else { return "" }
        guard let traceURL else { return "<code>\(id)</code>" }
        return "<a href=\"\(traceURL.replacingOccurrences(of: "{trace_id}", with: URLText.percentEncoded(id)))\" rel=\"noreferrer\">\(id)</a>"
    }

    static func csrfField(_ session: ConsoleSession) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrfToken)\">"
    }

    /// A path segment, percent-encoded.
    static func path(_ segment: String) -> String {
        URLText.percentEncoded(segment)
    }

    /// A query string from the non-empty values, in the order given.
    static func query(_ fields: [(String, String?)]) -> String {
        let pairs = fields.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : "\(name)=\(URLText.percentEncoded($0))" } }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    /// `2026-12-03 11:42:07Z`.
    static func time(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).dateTimeSeparator(.space)
        )
    }

    static func time(microseconds: Int64) -> String {
        time(Date(timeIntervalSince1970: TimeInterval(microseconds) / 1_000_000))
    }

    static func milliseconds(_ microseconds: Int64?) -> String {
        microseconds.map { String(format: "%.1f ms", Double($0) / 1_000) } ?? ""
    }
}
