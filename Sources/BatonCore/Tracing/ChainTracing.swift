import Synchronization
public import Tracing

/// The tracer Baton's own spans and trace headers go to, held where a span can reach it
/// with one uncontended lock.
///
/// swift-distributed-tracing's global `startSpan` and `InstrumentationSystem.instrument`
/// look the tracer up through a read-write lock and a search of the bootstrapped
/// instruments on every call — about 1 % of a traced chain's CPU here. The process's tracer
/// is still bootstrapped there too, for libraries that trace on their own.
public enum ChainTracing {
    private static let installed = Mutex<Installed?>(nil)

    private struct Installed {
        let tracer: any Tracer
        let traceContext: @Sendable (InstrumentationContext) -> TraceContext?
    }

    /// Makes `tracer` the process's tracer, here and in `InstrumentationSystem`, with
    /// `traceContext` reading the span a context is in straight from the tracer's own
    /// record of it (rather than writing `traceparent` and parsing it back). Once per process.
    public static func install(_ tracer: any Tracer, traceContext: @escaping @Sendable (InstrumentationContext) -> TraceContext?) {
        installed.withLock { $0 = Installed(tracer: tracer, traceContext: traceContext) }
        InstrumentationSystem.bootstrap(tracer)
    }

    /// The installed tracer; `nil` while tracing is off.
    public static var tracer: (any Tracer)? { installed.withLock { $0?.tracer } }

    /// The trace context of the span `context` is in; `nil` while tracing is off or outside a span.
    static func traceContext(of context: InstrumentationContext) -> TraceContext? {
        guard let read = installed.withLock({ $0?.traceContext }) else { return nil }
        return read(context)
    }

    /// A span named `name` in `context`: the tracer's, or one that records nothing and
    /// only carries `context` when tracing is off.
    static func startSpan(_ name: String, context: InstrumentationContext, ofKind kind: SpanKind) -> any Span {
        guard let tracer else { return NoOpTracer.NoOpSpan(context: context) }
        return tracer.startSpan(name, context: context, ofKind: kind)
    }
}
