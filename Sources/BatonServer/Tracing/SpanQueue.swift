import Synchronization

/// Finished spans waiting for export, at most `capacity` of them: an ended span is
/// appended under a lock — no task hop, no allocation beyond the span itself — and the
/// exporter takes them in batches. A span that finds the queue full is dropped and counted,
/// so a backend that stops answering costs memory up to the cap and no more.
final class SpanQueue: Sendable {
    let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var spans: [FinishedSpan] = []
        var dropped = 0
    }

    init(capacity: Int) {
        self.capacity = capacity
    }

    func append(_ span: FinishedSpan) {
        state.withLock { state in
            if state.spans.count < capacity {
                state.spans.append(span)
            } else {
                state.dropped += 1
            }
        }
    }

    var count: Int { state.withLock { $0.spans.count } }

    /// The oldest spans, at most `limit`, taken off the queue.
    func take(atMost limit: Int) -> [FinishedSpan] {
        state.withLock { state in
            guard state.spans.count > limit else {
                defer { state.spans.removeAll(keepingCapacity: true) }
                return state.spans
            }
            let batch = Array(state.spans.prefix(limit))
            state.spans.removeFirst(limit)
            return batch
        }
    }

    /// How many spans were dropped since the last call.
    func takeDropped() -> Int {
        state.withLock { state in
            defer { state.dropped = 0 }
            return state.dropped
        }
    }
}
