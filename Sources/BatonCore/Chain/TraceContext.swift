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
        self.spanID = Self.randomHex(16)
        self.isSampled = sampled
    }

    /// Parses `traceparent`; `nil` unless it is well formed.
    public init?(traceparent: String?) {
        guard let traceparent else { return nil }
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[0] != "ff", Self.isValidTraceID(parts[1]), parts[2].utf8.count == 16,
            parts[2].allSatisfy(\.isHexDigit), parts[2].contains(where: { $0 != "0" }), parts[3].utf8.count == 2,
            let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        // Version 00 has exactly four fields; a later version may add more after them.
        if parts[0] == "00", parts.count != 4 { return nil }
        self.traceID = parts[1].lowercased()
        self.spanID = parts[2].lowercased()
        self.isSampled = flags & 1 == 1
    }

    /// `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String { "00-\(traceID)-\(spanID)-\(isSampled ? "01" : "00")" }

    /// Whether `text` is a trace id: 32 hex digits, not all zero.
    public static func isValidTraceID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 32 && text.allSatisfy(\.isHexDigit) && text.contains { $0 != "0" }
    }

    /// A new random trace id.
    public static func makeTraceID() -> String { randomHex(32) }

    private static func randomHex(_ digits: Int) -> String {
        Hex.random(byteCount: digits / 2)
    }
}
