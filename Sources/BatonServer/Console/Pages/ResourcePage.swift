import BatonLedger
import Foundation

/// "Who touched INC0012345, through which agents": one row per user and agent path, with
/// how often and when last, then the entries themselves.
struct ResourcePage {
    /// One user reaching the resource through one path of agents.
    struct Toucher: Equatable {
        var user: String
        var path: [String]
        var count: Int
        var last: Int64
    }

    let name: String
    let entries: [LedgerEntry]
    let truncated: Bool

    static func touchers(_ entries: [LedgerEntry]) -> [Toucher] {
        var found: [String: Toucher] = [:]
        for entry in entries {
            let user = entry.user.map { $0.username ?? $0.objectID } ?? "-"
            let key = "\(user)\u{0}\(entry.actorPath.joined(separator: "\u{0}"))"
            var toucher = found[key] ?? Toucher(user: user, path: entry.actorPath, count: 0, last: entry.timestamp)
            toucher.count += 1
            toucher.last = max(toucher.last, entry.timestamp)
            found[key] = toucher
        }
        return found.values.sorted { $0.last > $1.last }
    }

    func html(layout: ConsoleLayout) -> HTML {
        let form: HTML = """
            <form class="search" method="get" action="/console/resources" role="search"><p><label for="f-name">Resource</label>\
            <input id="f-name" name="name" type="search" value="\(name)" placeholder="servicenow:incident/INC0012345"></p>\
            <p class="actions"><button type="submit">Look up</button></p></form>
            """
        guard !name.isEmpty else { return layout.page("Who touched a resource", section: nil, form) }
        let rows: [HTML] = Self.touchers(entries).map { toucher in
            """
            <tr><td><a href="/console/users/\(ConsoleLayout.path(toucher.user))">\(toucher.user)</a></td><td>\(toucher.path.joined(separator: " → "))</td>\
            <td>\(toucher.count)</td><td>\(ConsoleLayout.time(microseconds: toucher.last))</td></tr>
            """
        }
        let summary: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">Nobody you may see touched \(name).</p>"
            : """
            <table class="touchers"><caption>Who touched \(name), through which agents</caption><thead><tr><th scope="col">User</th>\
            <th scope="col">Through</th><th scope="col">Entries</th><th scope="col">Last (UTC)</th></tr></thead><tbody>\(rows)</tbody></table>
            """
        let more: HTML = truncated ? "<p class=\"paging\">Only the first \(entries.count) entries are counted; search for the rest.</p>" : ""
        return layout.page(
            "Who touched \(name)", section: nil,
            "\(form)\(summary)\(more)\(EntryTable.html(entries.suffix(200).reversed(), caption: "The latest entries", layout: layout))")
    }
}
