import Tracing

/// A span that has ended, as it is queued for export: everything OTLP sends of it, taken
/// out of the live span in one step so the span's lock is never held while exporting.
struct FinishedSpan: Sendable {
    /// 32 hex digits.
    var traceID: String
    /// 16 hex digits.
    var spanID: String
    /// The parent's 16 hex digits; `nil` for a trace's root span.
    var parentSpanID: String?
    /// Whether the parent came in a caller's `traceparent` rather than from this process.
    var parentIsRemote: Bool
    var traceState: String?
    var name: String
    var kind: SpanKind
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var attributes: SpanAttributes
    var status: SpanStatus?
    var events: [SpanEvent]
    var links: [Link]

    /// A link to another span, by ids (a live `SpanLink` holds a whole context).
    struct Link: Sendable {
        var traceID: String
        var spanID: String
        var traceState: String?
        var attributes: SpanAttributes
    }
}
