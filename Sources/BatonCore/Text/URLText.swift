import Foundation

/// The small URL spellings every module needs, written once: a base URL without its
/// trailing slash, RFC 3986 percent-encoding, and form bodies.
public enum URLText {
    /// `url` without one trailing `/`, so `"\(base)/path"` never doubles it.
    public static func trimmingTrailingSlash(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// `text` with every byte outside RFC 3986's unreserved set (ASCII letters, digits,
    /// `-._~`) and `alsoAllowed` percent-encoded as UTF-8.
    public static func percentEncoded(_ text: String, alsoAllowed: String = "") -> String {
        let extra = Set(alsoAllowed.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || extra.contains(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0f)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// An `application/x-www-form-urlencoded` body, fields sorted by name.
    public static func formEncoded(_ fields: [String: String]) -> String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(percentEncoded($0.value))" }.joined(separator: "&")
    }

    /// The fields of an `application/x-www-form-urlencoded` body or a URL's query. A name
    /// given twice keeps its last value; a pair whose name does not decode is skipped, and a
    /// value that does not decode reads as empty.
    public static func formDecoded(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = formDecodedComponent(parts[0]) else { continue }
            fields[name] = parts.count == 2 ? formDecodedComponent(parts[1]) ?? "" : ""
        }
        return fields
    }

    /// One name or value of a form: `+` is a space, then percent-decoding; `nil` when it is not valid UTF-8.
    public static func formDecodedComponent(_ component: Substring) -> String? {
        component.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}
