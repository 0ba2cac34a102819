import BatonCore
import Testing

@Suite("W3C trace context")
struct TraceContextTests {
    @Test("traceparent: version, ids and the sampled flag parsed; malformed or all-zero ids refused")
    func parsing() throws {
        let sampled = try #require(TraceContext(traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"))
        #expect(sampled.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && sampled.spanID == "00f067aa0ba902b7" && sampled.isSampled)
        #expect(sampled.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        let dropped = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        #expect(!dropped.isSampled && dropped.traceparent.hasSuffix("-00"), "a caller's decision not to sample travels on")
        #expect(
            TraceContext(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future")?.isSampled == true,
            "a later version may add fields")
        for bad in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "garbage", "",
        ] {
            #expect(TraceContext(traceparent: bad) == nil, "\(bad)")
        }
    }

    @Test("with no tracer set up, a request carries a new span id in the chain's trace")
    func outgoingWithoutTracer() {
        let trace = TraceContext.makeTraceID()
        #expect(TraceContext.current == nil)
        let first = TraceContext.outgoing(in: trace)
        let second = TraceContext.outgoing(in: trace)
        #expect(first.traceID == trace && second.traceID == trace && first.spanID != second.spanID && first.isSampled)
    }
}
