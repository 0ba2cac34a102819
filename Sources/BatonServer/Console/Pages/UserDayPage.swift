import BatonLedger
import Foundation

/// A user's day as a timeline: each chain they started that day (UTC), when, through
/// which agents, what it reached and how it ended.
struct UserDayPage {
    let user: String
    let day: Date
    let entries: [LedgerEntry]
    /// Set when the day holds more entries than one page shows.
    let nextCursor: Int64?

    /// One chain on the timeline.
    struct Item {
        var chainID: String
        var started: Int64
        var agents: [String] = []
        var reached: [String] = []
        var entries: [LedgerEntry] = []
    }

    static func items(_ entries: [LedgerEntry]) -> [Item] {
        var items: [Item] = []
        var index: [String: Int] = [:]
        for entry in entries {
            let position =
                index[entry.chainID]
                ?? {
                    items.append(Item(chainID: entry.chainID, started: entry.timestamp))
                    index[entry.chainID] = items.count - 1
                    return items.count - 1
                }()
            if let agent = entry.agent, !items[position].agents.contains(agent) { items[position].agents.append(agent) }
            if entry.kind == .downstream, let reached = entry.resource ?? entry.target, !items[position].reached.contains(reached) {
                items[position].reached.append(reached)
            }
            items[position].entries.append(entry)
        }
        return items
    }

    func html(layout: ConsoleLayout, isOwnDay: Bool) -> HTML {
        let dayText = String(ConsoleLayout.time(day).prefix(10))
        let userPath = ConsoleLayout.path(user)
        let previous = ConsoleLayout.time(day.addingTimeInterval(-86_400)).prefix(10)
        let next = ConsoleLayout.time(day.addingTimeInterval(86_400)).prefix(10)
        let items: [HTML] = Self.items(entries).map { item in
            let outcome = ChainPicture.outcome(of: item.entries).rawValue
            let reached: HTML = item.reached.isEmpty ? "" : " → \(item.reached.joined(separator: ", "))"
            return """
                <li class="outcome-\(outcome)"><time>\(String(ConsoleLayout.time(microseconds: item.started).suffix(9)))</time> \
                <a href="/console/chains/\(ConsoleLayout.path(item.chainID))">\(item.agents.joined(separator: " → "))\(reached)</a> \
                <span class="outcome">\(outcome)</span> <span class="count">\(item.entries.count) entries</span></li>
                """
        }
        var content: HTML = """
            <nav class="days" aria-label="Days"><a href="/console/users/\(userPath)?day=\(String(previous))" rel="prev">← \(String(previous))</a> \
            <a href="/console/users/\(userPath)?day=\(String(next))" rel="next">\(String(next)) →</a></nav>
            """
        content = items.isEmpty ? "\(content)<p class=\"empty\">No chains on this day.</p>" : "\(content)<ol class=\"timeline\">\(items)</ol>"
        if let nextCursor {
            content =
                "\(content)<p class=\"paging\"><a href=\"/console/users/\(userPath)?day=\(dayText)&amp;after=\(nextCursor)\" rel=\"next\">Later entries of this day</a></p>"
        }
        return layout.page("\(user) on \(dayText)", section: isOwnDay ? .day : nil, content)
    }
}
