import Synchronization
import Tracing

/// A span of Baton's tracer. A recorded one keeps its name, attributes, status and events
/// under a lock until it ends, then hands them to the export queue in one step; an
/// unrecorded one only carries its context, so a chain that is not sampled still passes a
/// `traceparent` on.
final class ChainSpan: Span {
    let context: InstrumentationContext
    /// What a recorded span was started with; `nil` for one that is not recorded.
    private let recording: Recording?
    private let state: Mutex<State>

    private struct Recording {
        let identity: SpanIdentity
        let parent: SpanIdentity?
        let kind: SpanKind
        let startNanoseconds: UInt64
        let queue: SpanQueue
    }

    private struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [FinishedSpan.Link] = []
        var ended = false
    }

    /// A span that only carries `context`.
    init(unrecorded context: InstrumentationContext) {
        self.context = context
        self.recording = nil
        self.state = Mutex(State(name: ""))
    }

    /// A recorded span named `name`, in `context`, queued to `queue` when it ends.
    init(
        recorded name: String, context: InstrumentationContext, identity: SpanIdentity, parent: SpanIdentity?, kind: SpanKind,
        start: UInt64, queue: SpanQueue
    ) {
        self.context = context
        self.recording = Recording(identity: identity, parent: parent, kind: kind, startNanoseconds: start, queue: queue)
        self.state = Mutex(State(name: name))
    }

    var isRecording: Bool { recording != nil }

    var operationName: String {
        get { state.withLock { $0.name } }
        set { if isRecording { state.withLock { $0.name = newValue } } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { if isRecording { state.withLock { $0.attributes = newValue } } }
    }

    func setStatus(_ status: SpanStatus) {
        guard isRecording else { return }
        state.withLock { state in
            // OpenTelemetry: once a span is OK, it stays OK.
            if state.status?.code != .ok { state.status = status }
        }
    }

    func addEvent(_ event: SpanEvent) {
        guard isRecording else { return }
        state.withLock { $0.events.append(event) }
    }

    /// An `exception` event with the error's type only: an error's text can hold what a
    /// user wrote, which spans never carry.
    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        guard recording != nil else { return }
        var eventAttributes = attributes
        eventAttributes["exception.type"] = String(reflecting: type(of: error))
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: eventAttributes))
    }

    func addLink(_ link: SpanLink) {
        guard let linked = link.context.spanIdentity else { return }
        let entry = FinishedSpan.Link(
            traceID: linked.trace.traceID, spanID: linked.trace.spanID, traceState: linked.traceState, attributes: link.attributes)
        if isRecording { state.withLock { $0.links.append(entry) } }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let recording else { return }
        let end = instant().nanosecondsSinceEpoch
        let finished: FinishedSpan? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return FinishedSpan(
                traceID: recording.identity.trace.traceID, spanID: recording.identity.trace.spanID,
                parentSpanID: recording.parent?.trace.spanID, parentIsRemote: recording.parent?.isRemote ?? false,
                traceState: recording.identity.traceState, name: state.name, kind: recording.kind,
                startNanoseconds: recording.startNanoseconds, endNanoseconds: end, attributes: state.attributes, status: state.status,
                events: state.events, links: state.links)
        }
        if let finished { recording.queue.append(finished) }
    }
}
