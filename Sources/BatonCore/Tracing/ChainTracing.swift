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
    private static let installed = Mutex<(any Tracer)?>(nil)

    /// Makes `tracer` the process's tracer, here and in `InstrumentationSystem`. Once per process.
    public static func install(_ tracer: any Tracer) {
        installed.withLock { $0 = tracer }
        InstrumentationSystem.bootstrap(tracer)
    }

    /// The installed tracer; `nil` while tracing is off.
    public static var tracer: (any Tracer)? { installed.withLock { $0 } }

    /// A span named `name` in `context`: the tracer's, or one that records nothing and
    /// only carries `context` when tracing is off.
    static func startSpan(_ name: String, context: InstrumentationContext, ofKind kind: SpanKind) -> any Span {
        guard let tracer else { return NoOpTracer.NoOpSpan(context: context) }
        return tracer.startSpan(name, context: context, ofKind: kind)
    }
}
