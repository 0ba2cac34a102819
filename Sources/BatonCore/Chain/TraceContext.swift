/// A W3C Trace Context `traceparent` (`00-<trace id>-<span id>-<flags>`): parsed once at
/// the edge, so every hop of a chain shares one trace id.
public struct TraceContext: Sendable, Equatable {
    public static let header = "traceparent"

    /// 32 lower-case hex digits.
    public let traceID: String
    /// 16 lower-case hex digits.
    public let spanID: String

    /// A new span in trace `traceID`.
    public init(traceID: String) {
        self.traceID = traceID
        self.spanID = Self.randomHex(16)
    }

    /// Parses `traceparent`; `nil` unless it is well formed.
    public init?(traceparent: String?) {
        guard let traceparent else { return nil }
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].utf8.count == 2, Self.isValidTraceID(parts[1]), parts[2].utf8.count == 16,
            parts[2].allSatisfy(\.isHexDigit)
        else { return nil }
        self.traceID = parts[1].lowercased()
        self.spanID = parts[2].lowercased()
    }

    /// `00-<trace id>-<span id>-01`.
    public var traceparent: String { "00-\(traceID)-\(spanID)-01" }

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
