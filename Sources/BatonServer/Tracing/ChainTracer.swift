import BatonCore
import Instrumentation
import Tracing

/// Baton's OpenTelemetry tracer: spans named and linked as the conventions say, carried
/// between processes as W3C Trace Context, and queued for ``SpanExporter`` when they end.
///
/// It records a span with one lock and queues it with another — no task hop per span and
/// no actor between a chain and its spans — which is what keeps a fully sampled chain
/// within a few percent of an untraced one (BENCHMARKS.md, "Tracing").
final class ChainTracer: Tracer {
    let sampler: SpanSampler
    let queue: SpanQueue

    init(sampler: SpanSampler, queue: SpanQueue) {
        self.sampler = sampler
        self.queue = queue
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> ChainSpan {
        var context = context()
        let parent = context.spanIdentity
        let traceID = parent?.trace.traceID ?? TraceContext.makeTraceID()
        let sampled = sampler.samples(traceID: traceID, parent: parent)
        let identity = SpanIdentity(trace: TraceContext(traceID: traceID, sampled: sampled), traceState: parent?.traceState, isRemote: false)
        context.spanIdentity = identity
        guard sampled else { return ChainSpan(unrecorded: context) }
        return ChainSpan(
            recorded: operationName, context: context, identity: identity, parent: parent, kind: kind,
            start: instant().nanosecondsSinceEpoch, queue: queue)
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let identity = context.spanIdentity else { return }
        injector.inject(identity.trace.traceparent, forKey: TraceContext.header, into: &carrier)
        if let state = identity.traceState { injector.inject(state, forKey: Self.traceStateHeader, into: &carrier) }
    }

    /// Reads a caller's `traceparent` (and `tracestate`); one that is not well formed is
    /// ignored, as W3C Trace Context asks, and the chain starts a trace of its own.
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let trace = TraceContext(traceparent: extractor.extract(key: TraceContext.header, from: carrier)) else { return }
        let state = extractor.extract(key: Self.traceStateHeader, from: carrier).flatMap(Self.validTraceState)
        context.spanIdentity = SpanIdentity(trace: trace, traceState: state, isRemote: true)
    }

    static let traceStateHeader = "tracestate"

    /// `tracestate` as received when it fits W3C's limits (at most 32 members, 512 bytes
    /// kept here, printable ASCII); `nil` otherwise, which drops it rather than the trace.
    static func validTraceState(_ value: String) -> String? {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 512, trimmed.utf8.allSatisfy({ (0x20...0x7E).contains($0) }),
            trimmed.split(separator: ",").count <= 32
        else { return nil }
        return trimmed
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let bytes = utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        return String(decoding: Array(bytes), as: UTF8.self)
    }
}
