import BatonCore
import Instrumentation

/// Which span a context is in, as W3C Trace Context carries it: trace id, span id, the
/// sampled flag (in ``TraceContext``), and the vendors' `tracestate`, passed on untouched.
struct SpanIdentity: Sendable, Equatable {
    var trace: TraceContext
    var traceState: String?
    /// Whether the span is a caller's, read from its `traceparent`, not one of this process.
    var isRemote: Bool
}

extension InstrumentationContext {
    /// The span this context is in; `nil` outside any span.
    var spanIdentity: SpanIdentity? {
        get { self[SpanIdentityKey.self] }
        set { self[SpanIdentityKey.self] = newValue }
    }
}

private enum SpanIdentityKey: InstrumentationContextKey {
    typealias Value = SpanIdentity
    static var nameOverride: String? { "span" }
}
