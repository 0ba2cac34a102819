/// A W3C Trace Context `traceparent` (`00-<trace id>-<span id>-<flags>`): parsed once at
/// the edge, so every hop of a chain shares one trace id.
public struct TraceContext: Sendable, Equatable {
    public static let header = "traceparent"

    /// 32 lower-case hex digits.
    public let traceID: String
    /// 16 lower-case hex digits.
    public let spanID: String
    /// Whether the trace is sampled (flag `01`): a tracer that follows its parent records it.
    public let isSampled: Bool

    /// A new span in trace `traceID`.
    public init(traceID: String, sampled: Bool = true) {
        self.traceID = traceID
        self.spanID = SpanIDSource.next()
        self.isSampled = sampled
    }

    /// Parses `traceparent`; `nil` unless it is well formed. Read byte by byte: every
    /// request a chain sends or receives parses one.
    public init?(traceparent: String?) {
        guard let traceparent else { return nil }
        let bytes = Array(traceparent.utf8)
        // version "-" 32 hex "-" 16 hex "-" 2 hex, then, after a later version, "-" and more.
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
            bytes[0..<2].allSatisfy(Self.isHex), bytes[3..<35].allSatisfy(Self.isHex), bytes[36..<52].allSatisfy(Self.isHex),
            bytes[53..<55].allSatisfy(Self.isHex)
        else { return nil }
        let version = String(decoding: bytes[0..<2], as: UTF8.self).lowercased()
        guard version != "ff", version == "00" ? bytes.count == 55 : (bytes.count == 55 || bytes[55] == 0x2D) else { return nil }
        let trace = String(decoding: bytes[3..<35], as: UTF8.self).lowercased()
        let span = String(decoding: bytes[36..<52], as: UTF8.self).lowercased()
        guard trace.utf8.contains(where: { $0 != 0x30 }), span.utf8.contains(where: { $0 != 0x30 }),
            let flags = UInt8(String(decoding: bytes[53..<55], as: UTF8.self), radix: 16)
        else { return nil }
        self.traceID = trace
        self.spanID = span
        self.isSampled = flags & 1 == 1
    }

    /// `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(isSampled ? "01" : "00")" }

    /// Whether `text` is a trace id: 32 hex digits, not all zero.
    public static func isValidTraceID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.allSatisfy(\.isHexDigit) && text.contains { $0 != "0" }
    }

    /// A new random trace id.
    public static func makeTraceID() -> String { Hex.random(byteCount: 16) }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
