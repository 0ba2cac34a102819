import BatonLedger

/// The ledger record decoder: `audit verify`, queries and the indexer read every stored
/// record through it, and a damaged database must give an error, never a crash.
enum LedgerRecordFuzzing {
    static let target = FuzzTarget(name: "ledger", summary: "LedgerEntry(record:): what decodes encodes to a record that decodes the same") { bytes in
        guard let entry = try? LedgerEntry(record: bytes) else { return }
        let record = entry.record()
        guard let again = record.withUnsafeBytes({ try? LedgerEntry(record: $0) }) else { violated("a decoded entry's record does not decode") }
        guard again.record() == record else { violated("decode-encode is not stable") }
    }
}
