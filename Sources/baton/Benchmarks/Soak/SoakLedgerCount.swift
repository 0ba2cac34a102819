import BatonLedger

/// What the ledger holds after a soak, counted in one pass over every entry.
struct SoakLedgerCount: Sendable {
    var entries = 0
    var inbound = 0
    var chains = 0
    /// Chains with a `deny` entry: refused delegations.
    var denied = 0
    /// Chains whose downstream call was answered 200.
    var downstreamOK = 0
    /// ServiceNow's answers by status, retries included.
    var downstreamStatuses: [Int: Int] = [:]

    static func count(_ records: any LedgerRecordSource) async throws -> SoakLedgerCount {
        var count = SoakLedgerCount()
        var seen: Set<String> = []
        var denied: Set<String> = []
        var answered: Set<String> = []
        var after: Int64 = 0
        while true {
            let page = try await records.entries(after: after, limit: 20_000)
            guard let last = page.last else { break }
            for entry in page {
                count.entries += 1
                seen.insert(entry.chainID)
                switch entry.kind {
                case .inbound: count.inbound += 1
                case .deny: denied.insert(entry.chainID)
                case .downstream:
                    count.downstreamStatuses[entry.status ?? 0, default: 0] += 1
                    if entry.status == 200 { answered.insert(entry.chainID) }
                default: break
                }
            }
            after = last.sequence
        }
        count.chains = seen.count
        count.denied = denied.count
        count.downstreamOK = answered.count
        return count
    }
}
