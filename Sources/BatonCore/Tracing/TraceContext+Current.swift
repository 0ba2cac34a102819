public import Instrumentation

extension TraceContext {
    /// The current span's trace context, as the tracer would send it; `nil` when no tracer
    /// is set up (or no span is open).
    public static var current: TraceContext? {
        guard let context = InstrumentationContext.current else { return nil }
        return of(context)
    }

    /// The trace context `context` holds, as the tracer would send it.
    public static func of(_ context: InstrumentationContext) -> TraceContext? {
        ChainTracing.traceContext(of: context)
    }

    /// The `traceparent` to send on a request now: the current span's when a tracer records
    /// trace `traceID`, else a new span id in that trace — so a chain keeps one trace id
    /// whether tracing is on or off.
    public static func outgoing(in traceID: String) -> TraceContext {
        if let current, current.traceID == traceID { return current }
        return TraceContext(traceID: traceID)
    }
}
