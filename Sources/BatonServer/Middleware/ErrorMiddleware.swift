import BatonCore
import Foundation
import Hummingbird

/// Turns every error a route throws into an ``ErrorBody`` response.
///
/// Known errors keep their status and code; anything else becomes a 500 whose message
/// says only that the failure was logged, so internals never leak to a caller.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return Self.response(status: error.status, body: ErrorBody(code: code, message: message), headers: error.headers)
        } catch let error as any BatonError {
            context.logger.warning("request failed", metadata: ["code": "\(error.code)", "error": "\(error)"])
            return Self.response(status: .badRequest, body: ErrorBody(code: error.code, message: error.description))
        } catch {
            context.logger.error("request failed unexpectedly", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return Self.response(
                status: .internalServerError, body: ErrorBody(code: "internal", message: "internal error; the daemon's log has the details"))
        }
    }

    static func response(status: HTTPResponse.Status, body: ErrorBody, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
