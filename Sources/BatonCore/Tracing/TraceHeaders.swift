public import Instrumentation

/// Trace headers (`traceparent`, `tracestate`) keyed by lower-case name: the carrier a
/// request's or an MCP `_meta`'s trace context is extracted from, and a span's context
/// injected into.
public struct TraceHeaders: Extractor, Injector {
    public typealias Carrier = [String: String]

    /// The W3C Trace Context headers a caller's span travels in.
    public static let names = [TraceContext.header, "tracestate"]

    public init() {}

    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key.lowercased()]
    }

    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }

    /// The context `headers` carry, on top of the current one: a caller's span becomes the
    /// parent of the spans started in it. Unchanged when no tracer is set up.
    public static func context(from headers: [String: String]) -> InstrumentationContext {
        var context = InstrumentationContext.current ?? .topLevel
        guard !headers.isEmpty, let tracer = ChainTracing.tracer else { return context }
        tracer.extract(headers, into: &context, using: TraceHeaders())
        return context
    }
}
