import Foundation

/// UUIDv7 strings (RFC 9562): 48 bits of Unix milliseconds, then random bits, lower-case.
///
/// The ids Baton makes on a request's path (chains, A2A tasks, contexts, artifacts and
/// messages) are made here rather than by Foundation's `UUID()`, which on Linux opens,
/// reads and closes `/dev/urandom` for every id: two `getrandom` calls instead of three
/// system calls and a file descriptor. Being time-ordered, they also keep the indexes
/// that hold them growing at one end.
public enum UUIDv7 {
    /// A new UUIDv7 for `date` (now by default).
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
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
