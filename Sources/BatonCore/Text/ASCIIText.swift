/// Byte-wise searches for the ASCII strings of tokens and issuers. With Foundation
/// imported, `String.contains` and `range(of:)` go through `CFStringFind`, a visible share
/// of each verification; these compare UTF-8 bytes.
public enum ASCIIText {
    /// Whether `text` contains `part`, comparing bytes, without regard to ASCII case.
    public static func contains(_ text: String, caseInsensitive part: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        return firstOffset(of: needle, in: haystack, caseInsensitive: true) != nil
    }

    /// `text` split around the first `marker`, or `nil` when it does not occur.
    public static func split(_ text: String, around marker: String) -> (before: Substring, after: Substring)? {
        let bytes = Array(text.utf8)
        guard let offset = firstOffset(of: Array(marker.utf8), in: bytes, caseInsensitive: false) else { return nil }
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
        let end = text.utf8.index(start, offsetBy: marker.utf8.count)
        return (text[..<start], text[end...])
    }

    private static func firstOffset(of needle: [UInt8], in haystack: [UInt8], caseInsensitive: Bool) -> Int? {
        guard !needle.isEmpty else { return 0 }
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) {
            var index = 0
            while index < needle.count, same(haystack[start + index], needle[index], caseInsensitive) { index += 1 }
            if index == needle.count { return start }
        }
        return nil
    }

    private static func same(_ a: UInt8, _ b: UInt8, _ caseInsensitive: Bool) -> Bool {
        guard caseInsensitive else { return a == b }
        return lower(a) == lower(b)
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
