import Hummingbird

/// Turns every error a route throws into its ``ErrorResponse``.
///
/// Known errors keep their status and code; anything else becomes a 500 whose message
/// says only that the failure was logged, so internals never leak to a caller.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            return ErrorResponse(status: .notFound, code: "not_found", message: "no route for \(request.method) \(request.uri.path)").response()
        } catch {
            let mapped = ErrorResponse(error)
            if mapped.isServerFailure {
                context.logger.error(
                    "request failed", metadata: ["code": "\(mapped.body.error.code)", "error": "\(String(reflecting: type(of: error)))"])
            } else if !(error is HTTPError) {
                context.logger.warning("request refused", metadata: ["code": "\(mapped.body.error.code)"])
            }
            return mapped.response()
        }
    }
}
