/// Numbers the hops of each chain running in this process: 0 for the front door, then
/// 1, 2, … in the order delegations start; a chain that arrived from another daemon at hop
/// h continues after h.
actor HopCounter {
    private var next: [String: Int] = [:]

    func allocate(in chainID: String, after parent: Int) -> Int {
        let hop = max(next[chainID, default: 1], parent + 1)
        next[chainID] = hop + 1
        return hop
    }

    func finish(_ chainID: String) {
        next[chainID] = nil
    }
}

/// Collects what one invocation's hops did, for the answer's `hops`.
actor HopLog {
    private(set) var hops: [HopSummary] = []

    func add(_ hop: HopSummary) {
        hops.append(hop)
    }

    func add(_ more: [HopSummary]) {
        hops += more
    }
}
