public import Tracing

/// Runs `operation` in a new span named `name`, a child of the current one, and ends it
/// when `operation` returns or throws: the one way Baton opens a span, keeping
/// `operation`'s typed error.
///
/// A thrown error marks the span failed with `error.type` = `errorType(error)` — a code,
/// never the error's text, which could carry a user's words. `attributes` is evaluated only
/// for a span that records: an unsampled chain pays for no attribute it would not send.
///
/// ```swift
/// let answer = try await withTracedSpan("invoke_agent triage", attributes: ["gen_ai.agent.id": "triage"]) { span throws(AgentError) in
///     try await hop.run(input: input)
/// }
/// ```
public func withTracedSpan<T, E: Error>(
    _ name: String, context: InstrumentationContext? = nil, ofKind kind: SpanKind = .internal,
    attributes: @autoclosure () -> SpanAttributes = [:],
    errorType: (E) -> String = { _ in "error" }, _ operation: (any Span) async throws(E) -> T
) async throws(E) -> T {
    let span = ChainTracing.startSpan(name, context: context ?? InstrumentationContext.current ?? .topLevel, ofKind: kind)
    defer { span.end() }
    if span.isRecording {
        // Set whole when the span starts with none (Baton's tracer): merging into an empty
        // set grows it an entry at a time.
        var initial = span.attributes
        if initial.isEmpty {
            span.attributes = attributes()
        } else {
            initial.merge(attributes())
            span.attributes = initial
        }
    }
    let outcome = await InstrumentationContext.$current.withValue(span.context) { () async -> Result<T, E> in
        do throws(E) {
            return .success(try await operation(span))
        } catch {
            return .failure(error)
        }
    }
    if case .failure(let error) = outcome { span.markFailed(errorType(error)) }
    return try outcome.get()
}

extension Span {
    /// Marks the span failed: status error, `error.type` = `type` (a code such as
    /// `timeout` or `denied`, never free text).
    public func markFailed(_ type: String) {
        guard isRecording else { return }
        attributes[HTTPSpanAttribute.errorType] = type
        setStatus(SpanStatus(code: .error))
    }
}
