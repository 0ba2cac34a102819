import BatonCore
import Foundation
import Testing

@testable import BatonLedger

/// Record encoding version 2 (issue 19): the same fields as version 1 in about half the
/// bytes, one encoding per entry, and a ledger that mixes version-1 and version-2 records
/// still verifies.
@Suite("The audit ledger: record encoding version 2")
struct CompactRecordTests {
    static let jane = ChainUser(
        tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com")
    static let chain = "0193a4b2-5f00-7000-8000-00000000c0de"

    /// Jane's chain as the runtime records it: an inbound, two delegations with their exchanges, a tool call, the downstream request.
    static let janesChain: [LedgerEntry] = [
        LedgerEntry(
            chainID: chain, hop: 0, kind: .inbound, user: jane, agent: "concierge", actorPath: ["concierge"], decision: .allowed,
            tokenFingerprint: "4f6a0c2e9b1d7a3c5e8f0b2d4a6c8e1f", tokenSource: "inbound", traceID: "4bf92f3577b34da6a3ce929d0e0e4736"),
        LedgerEntry(
            chainID: chain, hop: 1, parentHop: 0, kind: .exchange, user: jane, agent: "concierge", actorPath: ["concierge"], target: "api://triage",
            status: 200, decision: .allowed, tokenFingerprint: "9c1e7b3a5d2f8e0c4a6b1d3f5e7a9c2b", tokenSource: "hot", latencyMicroseconds: 18,
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736"),
        LedgerEntry(
            chainID: chain, hop: 1, parentHop: 0, kind: .delegate, user: jane, agent: "triage", actorPath: ["concierge", "triage"], target: "triage",
            status: 200, decision: .allowed, tokenSource: "hot", latencyMicroseconds: 850, traceID: "4bf92f3577b34da6a3ce929d0e0e4736"),
        LedgerEntry(
            chainID: chain, hop: 3, parentHop: 2, kind: .toolCall, user: jane, agent: "itsm", actorPath: ["concierge", "triage", "itsm"],
            target: "servicenow.query_incidents", decision: .allowed, traceID: "4bf92f3577b34da6a3ce929d0e0e4736"),
        LedgerEntry(
            chainID: chain, hop: 3, parentHop: 2, kind: .downstream, user: jane, agent: "itsm", actorPath: ["concierge", "triage", "itsm"],
            target: "servicenow", resource: "servicenow:incident/INC0012345", operation: "GET /api/now/table/incident", status: 200,
            decision: .allowed, tokenFingerprint: "2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a0c", tokenSource: "idp", latencyMicroseconds: 4_210,
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736"),
    ]

    @Test(
        "Jane's entries take 168 bytes on average (at most 200 on average, 240 the largest; version 1: more than half again as much) and decode to what was written"
    )
    func sizeAndRoundTrip() throws {
        var total = 0
        for (index, var entry) in Self.janesChain.enumerated() {
            entry.sequence = Int64(1_000_000 + index)
            entry.timestamp = 1_796_221_401_466_310
            let record = entry.record()
            #expect(record.first == 2)
            total += record.count
            #expect(record.count <= 240, "\(entry.kind): \(record.count) bytes")
            #expect(record.count * 3 / 2 < entry.versionOneRecord().count, "\(entry.kind): \(record.count) against \(entry.versionOneRecord().count)")
            let decoded = try record.withUnsafeBytes { try LedgerEntry(record: $0) }
            #expect(decoded == entry)
            #expect(decoded.record() == record, "one encoding per entry")
        }
        #expect(total <= 200 * Self.janesChain.count, "\(total / Self.janesChain.count) bytes per entry on average")
    }

    @Test("odd values round-trip: no user, no optional field, negative and huge numbers, upper-case and non-UUID ids, odd-length hex, Unicode")
    func oddValues() throws {
        let cases = [
            LedgerEntry(timestamp: -5, chainID: "chain-from-elsewhere", hop: 0, kind: .admin, user: nil, agent: nil, actorPath: []),
            LedgerEntry(
                timestamp: .max, chainID: "0193A4B2-5F00-7000-8000-00000000C0DE", hop: Int.max, parentHop: -1, kind: .workloadToken,
                user: ChainUser(tenantID: "t", objectID: "ABC", username: nil), agent: "", actorPath: ["", "é🙂"], target: "abc",
                resource: "00", operation: "0", status: -404, decision: .denied, reason: "a\u{0}b", tokenFingerprint: "DEADBEEF",
                tokenSource: "deadbeef", latencyMicroseconds: .min, traceID: String(repeating: "x", count: 5_000)),
        ]
        for var entry in cases {
            entry.sequence = Int64.max
            let record = entry.record()
            let decoded = try record.withUnsafeBytes { try LedgerEntry(record: $0) }
            #expect(decoded == entry)
            #expect(decoded.record() == record)
            #expect(record.withUnsafeBytes { LedgerRecord.sequence(of: $0) } == .max)
        }
    }

    @Test("the writer numbers a record in place: the varint may grow, the rest stays")
    func numbering() throws {
        var record = Self.janesChain[4].record()
        let body = Array(record.dropFirst(2))
        for sequence: Int64 in [1, 127, 128, 16_384, 1 << 40, .max] {
            LedgerRecord.setSequence(sequence, in: &record)
            #expect(record.withUnsafeBytes { LedgerRecord.sequence(of: $0) } == sequence)
            #expect(Array(record.suffix(body.count)) == body)
            #expect(try record.withUnsafeBytes { try LedgerEntry(record: $0) }.sequence == sequence)
        }
    }

    @Test(
        "anything the encoder would not write is refused: a padded varint, a spare present bit, a UUID spelled out, an unknown kind, trailing bytes")
    func canonical() throws {
        let good = Self.janesChain[0].record()
        func refused(_ bytes: [UInt8], _ why: String) {
            #expect(throws: LedgerError.self, "\(why)") { try bytes.withUnsafeBytes { _ = try LedgerEntry(record: $0) } }
        }
        // [version, sequence 0, present…]: the sequence as 0x80 0x00 is 0 padded.
        refused([2, 0x80, 0x00] + good.dropFirst(2), "a padded varint")
        var bits = [UInt8](good.prefix(2))
        ByteWriter.uvarint(1 << 20, into: &bits)
        refused(bits + good.dropFirst(3), "a present bit beyond the last optional field")
        // The chain id as 36 bytes of UTF-8 instead of its 16-byte form.
        var spelled = Self.janesChain[0]
        spelled.chainID = "chain"
        let withText = spelled.record()
        let offset = withText.firstRange(of: Array("chain".utf8))!.lowerBound
        let uuid = Array(Self.chain.utf8)
        var expanded = Array(withText[..<(offset - 1)])
        ByteWriter.uvarint(UInt64(uuid.count) << 2, into: &expanded)
        expanded += uuid + withText[(offset + 5)...]
        refused(expanded, "a UUID in form 0")
        refused(good + [0], "a byte after the last field")
        // The kind byte follows the sequence, the present bits, the time, the chain id and the hop.
        let kindOffset = try good.withUnsafeBytes { bytes throws(LedgerError) -> Int in
            var reader = ByteReader(bytes, offset: 1)
            _ = try reader.uvarint()
            _ = try reader.uvarint()
            _ = try reader.svarint()
            _ = try reader.text()
            _ = try reader.svarint()
            return reader.offset
        }
        var kind = good
        kind[kindOffset] = 200
        refused(kind, "an unknown kind code")
    }

    @Test("a ledger whose first entries are version-1 records and the rest version 2 verifies, and an edit in either part is found")
    func mixedVersions() async throws {
        let fixture = try LedgerFixture()
        let records = SQLiteLedgerRecords(database: fixture.database)
        var previous = LedgerWriter.genesis
        var sealed: [SealedRecord] = []
        for index in 1...3 {
            var entry = LedgerFixture.entry(index)
            entry.sequence = Int64(index)
            let record = entry.versionOneRecord()
            previous = record.withUnsafeBytes { LedgerEntry.hash(previous: previous, record: $0) }
            sealed.append(SealedRecord(sequence: Int64(index), record: record, hash: previous))
        }
        // As a ledger from before the Merkle tree: records without tiles.
        try await records.append { [sealed] _ in (SealedBatch(records: sealed, tiles: []), ()) }
        let writer = try await fixture.writer()
        for index in 4...6 { try await writer.append(LedgerFixture.entry(index)) }
        try await writer.checkpoint()
        let report = try await LedgerVerifier(records: records, publicKey: fixture.signer.publicKey).verify()
        #expect(report.isIntact && report.entries == 6, "\(report)")
        let entries = try await records.entries(after: 0, limit: 10)
        #expect(entries.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(entries.map { $0.resource ?? "" } == (1...6).map { "servicenow:incident/INC00\($0)" })

        for sequence: Int64 in [2, 5] {
            let original = entries[Int(sequence) - 1]
            var entry = original
            entry.user = ChainUser(
                tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "0e3e8720-aa21-5e23-b54f-dde0470eb9ec", username: "mallory@contoso.com")
            let (edited, restored) = sequence < 4 ? (entry.versionOneRecord(), original.versionOneRecord()) : (entry.record(), original.record())
            try await fixture.editRecord(sequence) { $0 = edited }
            let tampered = try await LedgerVerifier(records: records, publicKey: fixture.signer.publicKey).verify()
            #expect(tampered.problems.first == .altered(sequence: sequence), "\(tampered.problems)")
            try await fixture.editRecord(sequence) { $0 = restored }
        }
    }
}
