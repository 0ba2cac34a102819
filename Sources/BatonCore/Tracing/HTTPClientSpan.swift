public import Tracing

/// The client span of one HTTP request Baton sends (OpenTelemetry HTTP conventions): named
/// `{method} {template}`, carrying the method, server, the URL without its query and the
/// answer's status; its `traceparent` is what the request sends.
public enum HTTPClientSpan {
    /// Runs `send` in a client span for `method` `url`, handing it the `traceparent` to
    /// send: the span's own when a tracer records trace `traceID`, else a new span id in it
    /// (or none when there is no trace). `send` reports the status with ``record(status:on:)``.
    public static func around<T, E: Error>(
        method: String, url: String, template: String? = nil, in traceID: String?, resend: Int = 0,
        _ send: (_ traceparent: String?, _ span: any Span) async throws(E) -> T
    ) async throws(E) -> T {
        try await withTracedSpan(
            template.map { "\(method) \($0)" } ?? method, ofKind: .client,
            attributes: attributes(method: method, url: url, template: template, resend: resend)
        ) { span throws(E) in
            let traceparent = traceID.map { TraceContext.outgoing(in: $0).traceparent } ?? TraceContext.current?.traceparent
            return try await send(traceparent, span)
        }
    }

    /// Records the answer's status; a 4xx or 5xx marks the span failed with that status.
    public static func record(status: Int, on span: any Span) {
        guard span.isRecording else { return }
        span.attributes[HTTPSpanAttribute.responseStatusCode] = status
        if status >= 400 { span.markFailed(String(status)) }
    }

    static func attributes(method: String, url: String, template: String?, resend: Int) -> SpanAttributes {
        var attributes: SpanAttributes = [HTTPSpanAttribute.requestMethod: .string(method)]
        if let template { attributes[HTTPSpanAttribute.urlTemplate] = template }
        if resend > 0 { attributes[HTTPSpanAttribute.resendCount] = resend }
        guard let parts = URLParts(url) else { return attributes }
        attributes[HTTPSpanAttribute.urlFull] = parts.withoutQuery
        attributes[HTTPSpanAttribute.serverAddress] = parts.host
        if let port = parts.port { attributes[HTTPSpanAttribute.serverPort] = port }
        return attributes
    }
}
