/// Comparisons whose time says nothing about where two secrets differ.
public enum ConstantTime {
    /// Whether `left` and `right` are the same bytes, looking at every byte (only the
    /// length may end the comparison early).
    public static func equals(_ left: String, _ right: String) -> Bool {
        let (a, b) = (Array(left.utf8), Array(right.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
