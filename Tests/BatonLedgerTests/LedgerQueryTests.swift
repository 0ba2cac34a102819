import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Testing

@testable import BatonLedger

@Suite("The audit ledger: queries, on SQLite and on PostgreSQL")
struct LedgerQueryTests {
    static let jane = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa"
    static let harriet = "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1"

    /// 60 entries: alternating users, three agents, a denial every 10th, one hour apart;
    /// the index built after entry `indexedAfter` (0: never — queries then read every record).
    private func generated(_ engine: StorageEngine, indexedAfter: Int = 60) async throws -> (LedgerFixture, [LedgerEntry]) {
        let fixture = try await LedgerFixture.open(engine)
        let writer = try await fixture.writer(checkpointEvery: 1000)
        let indexer = try await fixture.indexer()
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
            if index == indexedAfter { #expect(try await indexer.catchUp() == Int64(index)) }
        }
        return (fixture, written)
    }

    @Test(
        "each filter returns exactly the matching entries, whether the index covers all, some or none of them",
        arguments: StorageEngine.allCases, [60, 25, 0])
    func filters(engine: StorageEngine, indexedAfter: Int) async throws {
        let (fixture, written) = try await generated(engine, indexedAfter: indexedAfter)
        func expect(_ query: LedgerQuery, _ predicate: (LedgerEntry) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            var query = query
            query.limit = 1000
            let found = try await query.run(on: fixture.reader).entries
            #expect(found == written.filter(predicate), sourceLocation: sourceLocation)
            #expect(!found.isEmpty, sourceLocation: sourceLocation)
        }
        try await expect(LedgerQuery(user: "jane@contoso.com")) { $0.user?.objectID == Self.jane }
        try await expect(LedgerQuery(user: Self.harriet)) { $0.user?.objectID == Self.harriet }
        try await expect(LedgerQuery(agent: "itsm")) { $0.agent == "itsm" }
        try await expect(LedgerQuery(resource: "servicenow:incident/INC0017")) { $0.resource == "servicenow:incident/INC0017" }
        try await expect(LedgerQuery(kind: .deny)) { $0.kind == .deny }
        try await expect(LedgerQuery(decision: .denied)) { $0.decision == .denied }
        try await expect(LedgerQuery(target: "servicenow")) { _ in true }
        try await expect(LedgerQuery(chainID: written[8].chainID)) { $0.chainID == written[8].chainID }
        let since = Date(timeIntervalSince1970: TimeInterval(written[49].timestamp) / 1_000_000)
        try await expect(LedgerQuery(user: "jane@contoso.com", since: since)) {
            $0.user?.objectID == Self.jane && $0.timestamp >= written[49].timestamp
        }
        try await expect(LedgerQuery(chainsOf: written[1].user)) { entry in
            written.contains { $0.chainID == entry.chainID && $0.user == written[1].user }
        }
        try await expect(LedgerQuery(user: "JANE@contoso.com", agent: "itsm", decision: .denied)) {
            $0.user?.objectID == Self.jane && $0.agent == "itsm" && $0.decision == .denied
        }
        // Half an hour before entry 30 until half an hour before entry 41.
        try await expect(LedgerQuery(since: since.addingTimeInterval(-20.5 * 3600), until: since.addingTimeInterval(-9.5 * 3600))) {
            $0.timestamp >= written[29].timestamp && $0.timestamp < written[40].timestamp
        }
        var nobody = LedgerQuery(user: "nobody@contoso.com")
        nobody.limit = 1000
        #expect(try await nobody.run(on: fixture.reader).entries.isEmpty)
    }

    @Test(
        "an index of another ledger, or of a longer one, is never used: queries stay exact and the indexer rebuilds it",
        arguments: StorageEngine.allCases)
    func foreignIndex(engine: StorageEngine) async throws {
        let (fixture, written) = try await generated(engine)
        let janes = written.filter { $0.user?.objectID == Self.jane }
        // Claim more entries than there are: queries ignore the index.
        try await fixture.executeOnIndex("UPDATE ledger_index_state SET indexed_through = 1000")
        #expect(try await LedgerQuery(user: Self.jane, limit: 1000).run(on: fixture.reader).entries == janes)
        // Describe another ledger, with a wrong row: still ignored, then rebuilt.
        try await fixture.executeOnIndex("UPDATE ledger_index_state SET ledger_instance = 'another', indexed_through = 60")
        try await fixture.executeOnIndex("DELETE FROM ledger_index WHERE dimension = 1")
        #expect(try await LedgerQuery(user: Self.jane, limit: 1000).run(on: fixture.reader).entries == janes)
        #expect(try await fixture.indexer().catchUp() == 60)
        #expect(try await fixture.integerOnIndex("SELECT count(*) FROM ledger_index WHERE dimension = 1") == 60)
        #expect(try await LedgerQuery(user: Self.jane, limit: 1000).run(on: fixture.reader).entries == janes)
    }

    @Test("a stale index row cannot put a wrong entry in the results: each is re-checked against its record", arguments: StorageEngine.allCases)
    func staleIndexRow(engine: StorageEngine) async throws {
        let (fixture, written) = try await generated(engine)
        // Point harriet's first entry at jane's key.
        let harriet = try #require(written.first { $0.user?.objectID == Self.harriet })
        try await fixture.executeOnIndex(
            "UPDATE ledger_index SET key = \(IndexKey.user(Self.jane.utf8)) WHERE dimension = 1 AND seq = \(harriet.sequence)")
        let found = try await LedgerQuery(user: Self.jane, limit: 1000).run(on: fixture.reader).entries
        #expect(found == written.filter { $0.user?.objectID == Self.jane })
    }

    @Test("the index check finds the first entry a damaged index would hide from queries", arguments: StorageEngine.allCases)
    func indexCheck(engine: StorageEngine) async throws {
        let (fixture, _) = try await generated(engine)
        #expect(try await LedgerIndexCheck.firstHidden(reader: fixture.reader) == (nil, 60))
        try await fixture.executeOnIndex("DELETE FROM ledger_index WHERE dimension = 3 AND seq IN (17, 41)")
        #expect(try await LedgerIndexCheck.firstHidden(reader: fixture.reader, batchSize: 7) == (17, 60))
        #expect(try await LedgerIndexCheck.firstHidden(reader: LedgerReader(records: fixture.records, index: nil)) == (nil, 0))
    }

    @Test("who touched a resource: each user and agent path, counted", arguments: StorageEngine.allCases)
    func who(engine: StorageEngine) async throws {
        let (fixture, written) = try await generated(engine, indexedAfter: 30)
        let resource = try #require(written[16].resource)
        let summaries = try await LedgerSummary.who(resource: resource, reader: fixture.reader)
        let touching = written.filter { $0.resource == resource }
        #expect(summaries.map(\.count).reduce(0, +) == touching.count)
        #expect(Set(summaries.map(\.user)) == Set(touching.compactMap { $0.user?.username }))
    }

    @Test("cursor pagination walks every entry once, in order, across the index's watermark", arguments: StorageEngine.allCases)
    func pagination(engine: StorageEngine) async throws {
        let (fixture, written) = try await generated(engine, indexedAfter: 25)
        var cursor: Int64?
        var seen: [LedgerEntry] = []
        repeat {
            let page = try await LedgerQuery(after: cursor, limit: 7).run(on: fixture.reader)
            seen += page.entries
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == written)
    }
}
