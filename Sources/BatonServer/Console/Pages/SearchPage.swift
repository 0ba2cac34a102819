import BatonLedger

/// The search page: a form over the ledger's filters and one page of matching entries,
/// with a link to the next page (cursor paging, so any range pages).
struct SearchPage {
    /// The form's values as typed, shown back escaped.
    var fields: [String: String]
    var page: LedgerQuery.Page?
    var problem: String?

    static let textFields = [
        ("user", "User (username or object id)"), ("agent", "Agent"), ("resource", "Resource, e.g. servicenow:incident/INC0012345"),
        ("target", "Target system"), ("chain", "Chain id"),
    ]
    static let filterNames = ["user", "agent", "resource", "target", "chain", "kind", "outcome", "since", "until"]

    func html(layout: ConsoleLayout) -> HTML {
        let inputs: [HTML] = Self.textFields.map { name, label in
            "<p><label for=\"f-\(name)\">\(label)</label><input id=\"f-\(name)\" name=\"\(name)\" type=\"search\" value=\"\(fields[name])\"></p>"
        }
        let kinds: [HTML] = LedgerEventKind.allCases.map { option($0.rawValue, selected: fields["kind"]) }
        let outcomes: [HTML] = ["allowed", "denied"].map { option($0, selected: fields["outcome"]) }
        let form: HTML = """
            <form class="search" method="get" action="/console" role="search">\(inputs)
            <p><label for="f-kind">Kind</label><select id="f-kind" name="kind"><option value="">any</option>\(kinds)</select></p>
            <p><label for="f-outcome">Decision</label><select id="f-outcome" name="outcome"><option value="">any</option>\(outcomes)</select></p>
            <p><label for="f-since">From (UTC)</label><input id="f-since" name="since" type="datetime-local" step="1" value="\(fields["since"])"></p>
            <p><label for="f-until">Until (UTC)</label><input id="f-until" name="until" type="datetime-local" step="1" value="\(fields["until"])"></p>
            <p class="actions"><button type="submit">Search</button> <a href="/console">Clear</a></p></form>
            """
        var results: HTML = ""
        if let problem {
            results = "<p class=\"problem\" role=\"alert\">\(problem)</p>"
        } else if let page {
            results = EntryTable.html(page.entries, caption: "Matching entries, oldest first (\(page.entries.count) on this page)", layout: layout)
            if let next = page.nextCursor {
                let query = ConsoleLayout.query(Self.filterNames.map { ($0, fields[$0]) } + [("after", String(next))])
                results = "\(results)<p class=\"paging\"><a href=\"/console\(query)\" rel=\"next\">Next page</a></p>"
            }
        }
        return layout.page("Search the ledger", section: .search, "\(form)\(results)")
    }

    private func option(_ value: String, selected: String?) -> HTML {
        value == selected ? "<option selected>\(value)</option>" : "<option>\(value)</option>"
    }
}
