import BatonCore
import Instrumentation
import Testing
import Tracing

@testable import BatonServer

@Suite("Baton's tracer: W3C Trace Context in and out, parent-based sampling, spans queued once when they end")
struct ChainTracerTests {
    static func tracer(_ sampler: SpanSampler = SpanSampler(share: 1), capacity: Int = 100) -> ChainTracer {
        ChainTracer(sampler: sampler, queue: SpanQueue(capacity: capacity))
    }

    static func context(traceparent: String?, tracestate: String? = nil, tracer: ChainTracer) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        var headers: [String: String] = [:]
        headers["traceparent"] = traceparent
        headers["tracestate"] = tracestate
        tracer.extract(headers, into: &context, using: TraceHeaders())
        return context
    }

    static func traceparent(of span: ChainSpan, tracer: ChainTracer) -> String? {
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: TraceHeaders())
        return headers["traceparent"]
    }

    @Test(
        "a root span starts a trace; its child shares the trace id and names the root as parent; each reaches the queue once, even when ended twice")
    func rootAndChild() throws {
        let tracer = Self.tracer()
        let root = tracer.startSpan("POST /v1/agents/{id}/invoke", context: .topLevel, ofKind: .server)
        let child = tracer.startSpan("invoke_agent triage", context: root.context, ofKind: .internal)
        child.attributes["gen_ai.agent.id"] = "triage"
        child.end()
        child.end()
        root.end()
        let spans = tracer.queue.take(atMost: 10)
        try #require(spans.count == 2)
        let (ended, parent) = (spans[0], spans[1])
        #expect(ended.name == "invoke_agent triage" && parent.name == "POST /v1/agents/{id}/invoke")
        #expect(TraceContext.isValidTraceID(parent.traceID) && ended.traceID == parent.traceID)
        #expect(parent.parentSpanID == nil && ended.parentSpanID == parent.spanID && ended.spanID != parent.spanID)
        #expect(!ended.parentIsRemote && ended.kind == .internal && parent.kind == .server)
        #expect(ended.attributes["gen_ai.agent.id"]?.toSpanAttribute() == .string("triage"))
        #expect(ended.endNanoseconds >= ended.startNanoseconds)
        #expect(Self.traceparent(of: child, tracer: tracer) == "00-\(parent.traceID)-\(ended.spanID)-01")
    }

    @Test("a caller's traceparent is the remote parent and its tracestate is passed on; a malformed one is ignored and the span starts its own trace")
    func callersContext() throws {
        let tracer = Self.tracer()
        let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let context = Self.context(traceparent: caller, tracestate: " congo=t61rcWkgMzE ", tracer: tracer)
        let span = tracer.startSpan("POST /a2a/itsm", context: context, ofKind: .server)
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: TraceHeaders())
        #expect(headers["tracestate"] == "congo=t61rcWkgMzE")
        span.end()
        let finished = try #require(tracer.queue.take(atMost: 1).first)
        #expect(finished.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && finished.parentSpanID == "00f067aa0ba902b7")
        #expect(finished.parentIsRemote && finished.traceState == "congo=t61rcWkgMzE")

        for malformed in [
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "garbage",
        ] {
            let fresh = tracer.startSpan("POST /mcp/itsm", context: Self.context(traceparent: malformed, tracer: tracer), ofKind: .server)
            fresh.end()
            let started = try #require(tracer.queue.take(atMost: 1).first)
            #expect(started.parentSpanID == nil && started.traceID != "4bf92f3577b34da6a3ce929d0e0e4736", "\(malformed)")
        }
        let oversized = String(repeating: "k=v,", count: 40)
        #expect(ChainTracer.validTraceState(oversized) == nil)
    }

    @Test(
        "a caller that did not sample (-00) gets unrecorded spans, which still pass on its trace id with -00; at sampling 0 a new chain records nothing but a sampled caller is followed"
    )
    func sampling() throws {
        let tracer = Self.tracer(SpanSampler(share: 0))
        let unsampled = Self.context(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", tracer: tracer)
        let span = tracer.startSpan("invoke_agent itsm", context: unsampled, ofKind: .internal)
        let child = tracer.startSpan("execute_tool servicenow.query_incidents", context: span.context, ofKind: .internal)
        #expect(!span.isRecording && !child.isRecording)
        let passed = try #require(TraceContext(traceparent: Self.traceparent(of: child, tracer: tracer)))
        #expect(passed.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && !passed.isSampled && passed.spanID != "00f067aa0ba902b7")
        let new = tracer.startSpan("POST /v1/agents/{id}/invoke", context: .topLevel, ofKind: .server)
        #expect(!new.isRecording && TraceContext(traceparent: Self.traceparent(of: new, tracer: tracer))?.isSampled == false)
        let sampledCaller = Self.context(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracer: tracer)
        let followed = tracer.startSpan("POST /a2a/itsm", context: sampledCaller, ofKind: .server)
        #expect(followed.isRecording)
        for unrecorded in [span, child, new] { unrecorded.end() }
        followed.end()
        #expect(tracer.queue.take(atMost: 10).map(\.name) == ["POST /a2a/itsm"])
    }

    @Test("a share samples by trace id: the same id gets the same answer on every hop, and about that share of ids is sampled")
    func shareByTraceID() {
        let sampler = SpanSampler(share: 0.25)
        let ids = (0..<4_000).map { _ in TraceContext.makeTraceID() }
        let sampled = ids.filter { sampler.samples(traceID: $0, parent: nil) }
        #expect((800...1_200).contains(sampled.count))
        #expect(sampled.allSatisfy { sampler.samples(traceID: $0, parent: nil) })
        #expect(SpanSampler(root: .share(0.25), followsParent: false).samples(traceID: "00000000000000000000000000000001", parent: nil))
        #expect(!SpanSampler(root: .share(0.25), followsParent: false).samples(traceID: "0000000000000000ffffffffffffffff", parent: nil))
    }

    @Test("status OK sticks, events are kept, and a recorded error keeps its type and never its text")
    func statusEventsErrors() throws {
        struct UserWords: Error, CustomStringConvertible { var description: String { "show me Jane's salary" } }
        let tracer = Self.tracer()
        let span = tracer.startSpan("invoke_agent hr", context: .topLevel, ofKind: .internal)
        span.setStatus(SpanStatus(code: .ok))
        span.setStatus(SpanStatus(code: .error))
        span.recordError(UserWords())
        span.operationName = "invoke_agent hr-bot"
        span.end()
        let finished = try #require(tracer.queue.take(atMost: 1).first)
        #expect(finished.status?.code == .ok && finished.name == "invoke_agent hr-bot")
        let event = try #require(finished.events.first)
        #expect(event.name == "exception")
        #expect("\(event.attributes)".contains("UserWords") && !"\(event.attributes)".contains("salary"))
    }

    @Test("a full queue drops what does not fit and counts it; spans leave in the order they ended, a batch at a time")
    func queueBounds() {
        let tracer = Self.tracer(capacity: 3)
        for index in 0..<5 { tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end() }
        #expect(tracer.queue.count == 3)
        #expect(tracer.queue.takeDropped() == 2 && tracer.queue.takeDropped() == 0)
        #expect(tracer.queue.take(atMost: 2).map(\.name) == ["span 0", "span 1"])
        #expect(tracer.queue.take(atMost: 2).map(\.name) == ["span 2"])
        #expect(tracer.queue.take(atMost: 2).isEmpty)
    }
}
