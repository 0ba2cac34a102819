/// Whether a new span is recorded (OpenTelemetry's samplers, as `OTEL_TRACES_SAMPLER`
/// names them): the root decision — always, never, or a share of trace ids — and whether a
/// span with a parent follows the parent's decision instead.
struct SpanSampler: Sendable, Equatable {
    enum Root: Sendable, Equatable {
        case always
        case never
        /// Traces whose id falls in the lowest `share` of the id space: the same decision on
        /// every hop and every process that uses the same share.
        case share(Double)

        /// A share from 0 to 1, where 1 is always and 0 never.
        init(share: Double) {
            self = share >= 1 ? .always : share <= 0 ? .never : .share(share)
        }
    }

    var root: Root
    var followsParent: Bool

    /// `tracing.sampling`: a share of the chains that start here, the caller's decision otherwise.
    init(share: Double) {
        self.init(root: Root(share: share), followsParent: true)
    }

    init(root: Root, followsParent: Bool) {
        self.root = root
        self.followsParent = followsParent
    }

    /// The decision for a span in trace `traceID` whose parent is `parent`.
    func samples(traceID: String, parent: SpanIdentity?) -> Bool {
        if followsParent, let parent { return parent.trace.isSampled }
        switch root {
        case .always: return true
        case .never: return false
        case .share(let share): return Self.position(of: traceID) < share
        }
    }

    /// Where `traceID` falls in [0, 1): its last 14 hex digits (56 bits, the part W3C Trace
    /// Context level 2 asks to be random) over 2^56.
    static func position(of traceID: String) -> Double {
        guard let low = UInt64(traceID.suffix(14), radix: 16) else { return 1 }
        return Double(low) / Double(UInt64(1) << 56)
    }
}
