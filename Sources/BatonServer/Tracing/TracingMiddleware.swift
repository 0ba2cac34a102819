import BatonCore
internal import HTTPTypes
import Hummingbird
import Tracing

/// A server span (`{method} {route}`) for each request that can start or join a chain, a
/// child of the caller's span when it sent `traceparent`: so a chain through Baton joins
/// the trace of the agent framework that called it.
///
/// Health, metrics, the transparency log's tiles and the console are left out: they are
/// polled, and would bury the chains. The span holds the method, the route pattern, the
/// path and the status — never the query, which can carry an authorization code.
struct TracingMiddleware<Context: RequestContext>: RouterMiddleware {
    static var untracedPrefixes: [String] { ["/healthz", "/readyz", "/metrics", "/checkpoint", "/tile/", "/console"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !Self.untracedPrefixes.contains(where: { path.hasPrefix($0) }) else { return try await next(request, context) }
        var headers: [String: String] = [:]
        for name in TraceHeaders.names {
            if let value = request.headers[HTTPField.Name(name)!] { headers[name] = value }
        }
        let route = context.endpointPath ?? path
        let attributes: SpanAttributes = [
            HTTPSpanAttribute.requestMethod: .string(request.method.rawValue), "http.route": .string(route),
            HTTPSpanAttribute.urlPath: .string(path), HTTPSpanAttribute.urlScheme: "http",
        ]
        return try await withTracedSpan(
            "\(request.method.rawValue) \(route)", context: TraceHeaders.context(from: headers), ofKind: .server, attributes: attributes
        ) { span in
            let response = try await next(request, context)
            if span.isRecording {
                span.attributes[HTTPSpanAttribute.responseStatusCode] = Int(response.status.code)
                if response.status.code >= 500 { span.markFailed(String(response.status.code)) }
            }
            return response
        }
    }
}
