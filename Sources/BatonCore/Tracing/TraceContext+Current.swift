public import Instrumentation

extension TraceContext {
    /// The current span's trace context, as the tracer would send it; `nil` when no tracer
    /// is set up (or no span is open).
    public static var current: TraceContext? {
        guard let context = InstrumentationContext.current else { return nil }
        return of(context)
    }

    /// The trace context `context` holds, read by injecting it the way it would be sent.
    public static func of(_ context: InstrumentationContext) -> TraceContext? {
        guard let tracer = ChainTracing.tracer else { return nil }
        var traceparent: String?
        tracer.inject(context, into: &traceparent, using: TraceparentOnly())
        return TraceContext(traceparent: traceparent)
    }

    /// The `traceparent` to send on a request now: the current span's when a tracer records
    /// trace `traceID`, else a new span id in that trace — so a chain keeps one trace id
    /// whether tracing is on or off.
    public static func outgoing(in traceID: String) -> TraceContext {
        if let current, current.traceID == traceID { return current }
        return TraceContext(traceID: traceID)
    }
}

/// Keeps only `traceparent` of what a tracer injects: reading the current span's context
/// costs no dictionary.
private struct TraceparentOnly: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout String?) {
        if key.lowercased() == TraceContext.header { carrier = value }
    }
}
