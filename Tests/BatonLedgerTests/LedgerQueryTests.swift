import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Testing

@testable import BatonLedger

@Suite("The audit ledger: queries")
struct LedgerQueryTests {
    static let jane = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa"
    static let harriet = "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1"

    /// 60 entries: alternating users, three agents, a denial every 10th, one hour apart.
    private func generated() async throws -> (LedgerFixture, [LedgerEntry]) {
        let fixture = try LedgerFixture()
        let writer = try await fixture.writer(checkpointEvery: 1000)
        let start = Int64(Date().addingTimeInterval(-60 * 3600).timeIntervalSince1970 * 1_000_000)
        var written: [LedgerEntry] = []
        for index in 1...60 {
            var entry = LedgerFixture.entry(
                index, user: index % 2 == 0 ? Self.jane : Self.harriet, agent: ["concierge", "triage", "itsm"][index % 3])
            entry.user?.username = index % 2 == 0 ? "jane@contoso.com" : "harriet@contoso.com"
            entry.timestamp = start + Int64(index) * 3_600_000_000
            if index % 10 == 0 {
                entry.kind = .deny
                entry.decision = .denied
                entry.reason = "not_a_declared_delegate"
            }
            entry.sequence = try await writer.append(entry)
            written.append(entry)
        }
        return (fixture, written)
    }

    @Test("each filter returns exactly the matching entries")
    func filters() async throws {
        let (fixture, written) = try await generated()
        func expect(_ query: LedgerQuery, _ predicate: (LedgerEntry) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
            var query = query
            query.limit = 1000
            let found = try query.run(on: fixture.database).entries
            #expect(found == written.filter(predicate), sourceLocation: sourceLocation)
            #expect(!found.isEmpty, sourceLocation: sourceLocation)
        }
        try expect(LedgerQuery(user: "jane@contoso.com")) { $0.user?.objectID == Self.jane }
        try expect(LedgerQuery(user: Self.harriet)) { $0.user?.objectID == Self.harriet }
        try expect(LedgerQuery(agent: "itsm")) { $0.agent == "itsm" }
        try expect(LedgerQuery(resource: "servicenow:incident/INC0017")) { $0.resource == "servicenow:incident/INC0017" }
        try expect(LedgerQuery(kind: .deny)) { $0.kind == .deny }
        try expect(LedgerQuery(decision: .denied)) { $0.decision == .denied }
        try expect(LedgerQuery(target: "servicenow")) { _ in true }
        try expect(LedgerQuery(chainID: written[8].chainID)) { $0.chainID == written[8].chainID }
        let since = Date(timeIntervalSince1970: TimeInterval(written[49].timestamp) / 1_000_000)
        try expect(LedgerQuery(user: "jane@contoso.com", since: since)) { $0.user?.objectID == Self.jane && $0.timestamp >= written[49].timestamp }
        try expect(LedgerQuery(chainsOf: written[1].user)) { entry in written.contains { $0.chainID == entry.chainID && $0.user == written[1].user } }
    }

    @Test("cursor pagination walks every entry once, in order")
    func pagination() async throws {
        let (fixture, written) = try await generated()
        var cursor: Int64?
        var seen: [LedgerEntry] = []
        repeat {
            let page = try LedgerQuery(after: cursor, limit: 7).run(on: fixture.database)
            seen += page.entries
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == written)
    }
}
