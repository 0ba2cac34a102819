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

    /// A new chain id: a UUIDv7 (``UUIDv7``).
    public static func make(at date: Date = Date()) -> String {
        UUIDv7.make(at: date)
    }
}
