import Foundation
import Hummingbird
import Metrics

/// Counts requests and records their latency per route, method and status.
///
/// Records into an explicit `MetricsFactory` rather than the process-wide one, so two
/// daemons in one process (as in tests and `baton demo`) keep separate figures. The
/// route label is the matched route pattern, never the raw path, to bound cardinality.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let dimensions = [
            ("method", request.method.rawValue),
            ("route", context.endpointPath ?? "unmatched"),
            ("status", String(response.status.code)),
        ]
        Counter(label: "baton_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "baton_http_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds, factory: factory)
            .record(duration: ContinuousClock.now - start)
        return response
    }
}
