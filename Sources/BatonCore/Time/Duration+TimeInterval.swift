extension Duration {
    /// The duration in seconds with fractions, for APIs that take a `TimeInterval`.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole microseconds, as the ledger and the hop summaries record latencies.
    public var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
