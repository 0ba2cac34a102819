import Hummingbird

/// Answers a request for a path the dev model does not serve in the error shape of the client
/// that most likely sent it, so the client reports "not found" instead of failing to parse
/// an empty body: OpenAI's under `/v1/`, Bedrock's `ResourceNotFoundException` elsewhere.
struct UnknownPathMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let message = "the dev model has no route for \(request.method) \(request.uri.path)"
            if request.uri.path.hasPrefix("/v1/") {
                return ChatCompletionsRoutes.failure(.notFound, type: "not_found_error", message: message)
            }
            return BedrockConverseRoutes.failure(.notFound, type: "ResourceNotFoundException", message: message)
        }
    }
}
