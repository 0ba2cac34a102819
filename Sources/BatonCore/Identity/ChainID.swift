import Foundation

/// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
///
/// Chain ids are time-ordered so that ledger indexes on them grow at one end instead of
/// taking random inserts, and so that sorting by id sorts by start time.
public enum ChainID {
    /// Whether `text` can be a chain id another daemon sent: hex digits and dashes, at most
    /// 64 (Baton's own are UUIDv7s; others are accepted as correlation).
    public static func isValid(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.allSatisfy { $0.isHexDigit || $0 == "-" }
    }

    /// A new UUIDv7, lower-case.
    public static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        // Two draws of 64 random bits (one getrandom each), not sixteen of eight.
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let random = generator.next()
            for index in 0..<8 { bytes[half * 8 + index] = UInt8(truncatingIfNeeded: random >> (8 * UInt64(index))) }
        }
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
        bytes[6] = (bytes[6] & 0x0f) | 0x70
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = Hex.encode(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
