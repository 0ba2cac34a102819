extension Duration {
    /// The duration in seconds with fractions, for APIs that take a `TimeInterval`.
    public var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
