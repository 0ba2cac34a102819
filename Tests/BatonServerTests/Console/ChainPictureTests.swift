import BatonCore
import BatonLedger
import Testing

@testable import BatonServer

@Suite("The console's chain picture and its escaping")
struct ChainPictureTests {
    static let jane = ChainUser(tenantID: "t", objectID: "oid-jane", username: "jane@contoso.com")

    /// Jane's chain as the mesh records it: concierge → triage → itsm → ServiceNow, with
    /// `sequence` numbered in order.
    static func chain(downstreamStatus: Int = 200, denyTriage: Bool = false) -> [LedgerEntry] {
        var entries = [
            LedgerEntry(chainID: "c", hop: 0, kind: .inbound, user: jane, agent: "concierge", actorPath: ["concierge"], decision: .allowed),
            LedgerEntry(chainID: "c", hop: 0, kind: .delegate, user: jane, agent: "concierge", actorPath: ["concierge"], target: "triage"),
            LedgerEntry(
                chainID: "c", hop: 1, parentHop: 0, kind: .exchange, user: jane, agent: "triage", actorPath: ["concierge", "triage"],
                target: "triage", tokenSource: "idp", latencyMicroseconds: 5_200),
            LedgerEntry(
                chainID: "c", hop: 1, parentHop: 0, kind: denyTriage ? .deny : .delegate, user: jane, agent: "triage",
                actorPath: ["concierge", "triage"], target: "itsm", decision: denyTriage ? .denied : nil,
                reason: denyTriage ? "<script>alert(1)</script>" : nil),
            LedgerEntry(
                chainID: "c", hop: 2, parentHop: 1, kind: .toolCall, user: jane, agent: "itsm", actorPath: ["concierge", "triage", "itsm"],
                target: "servicenow"),
            LedgerEntry(
                chainID: "c", hop: 2, parentHop: 1, kind: .downstream, user: jane, agent: "itsm", actorPath: ["concierge", "triage", "itsm"],
                target: "servicenow", resource: "servicenow:incident/INC0012345", status: downstreamStatus, tokenSource: "vault",
                latencyMicroseconds: 12_000),
        ]
        for index in entries.indices { entries[index].sequence = Int64(index + 1) }
        return entries
    }

    @Test("user → concierge → triage → itsm → ServiceNow, each under its parent, with outcomes, timings and token sources")
    func tree() {
        let picture = ChainPicture(entries: Self.chain())
        #expect(picture.nodes.map(\.label) == ["jane@contoso.com", "concierge", "triage", "itsm", "servicenow"])
        #expect(picture.nodes.map(\.depth) == [0, 1, 2, 3, 4])
        #expect(picture.nodes.map(\.parent) == [nil, 0, 1, 2, 3])
        #expect(picture.nodes.allSatisfy { $0.outcome == .allowed })
        #expect(picture.nodes[4].detail == "servicenow:incident/INC0012345")
        #expect(picture.nodes[4].tokenSource == "vault" && picture.nodes[2].tokenSource == "idp")
        #expect(picture.nodes[3].entries == [5, 6] && picture.nodes[4].entries == [6])
        let svg = picture.svg.description
        #expect(svg.contains("role=\"group\"") && svg.contains("aria-label=\"The chain: concierge: allowed; triage: allowed;"))
        #expect(svg.contains("href=\"#entry-6\"") && svg.contains("12.0 ms") && svg.contains("token from vault"))
    }

    @Test("a denied hop and a failed downstream call are labelled in words as well as coloured; denial text is escaped")
    func outcomes() {
        let denied = ChainPicture(entries: Self.chain(denyTriage: true))
        #expect(denied.nodes.first { $0.label == "triage" }?.outcome == .denied)
        let svg = denied.svg.description
        #expect(svg.contains("class=\"node outcome-denied\"") && svg.contains(">agent · denied"))
        let failed = ChainPicture(entries: Self.chain(downstreamStatus: 502))
        #expect(failed.nodes.last?.outcome == .error)
        #expect(failed.svg.description.contains("servicenow:incident/INC0012345 · error"))
        #expect(ChainPicture(entries: Self.chain(downstreamStatus: 403)).nodes.last?.outcome == .denied)
    }

    @Test("interpolated text is escaped, HTML fragments are not, and markup in a user name never reaches the page")
    func escaping() {
        let name = "<img src=x onerror=alert(1)> & \"quoted\" 'single'"
        let cell: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(
            cell.description
                == "<td title=\"&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;\">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;</td>"
        )
        let row: HTML = "<tr>\([cell, cell])</tr>"
        #expect(row.description.hasPrefix("<tr><td title="))
        var entries = Self.chain()
        for index in entries.indices { entries[index].user = ChainUser(tenantID: "t", objectID: "o", username: name) }
        #expect(!ChainPicture(entries: entries).svg.description.contains("<img"))
    }
}
