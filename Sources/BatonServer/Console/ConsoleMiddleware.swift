import Foundation
internal import HTTPTypes
import Hummingbird

/// Every response under `/console` — pages, assets, events, errors, even a path that
/// matches no route — carries a strict Content-Security-Policy (no inline script, no
/// framing, forms only to the console) and the other protective headers; every error is a
/// page in words, never a stack trace or a JSON body.
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The router skips empty segments (`//console/…` is `/console/…`), so this check does too.
        let path = "/" + request.uri.path.drop { $0 == "/" }
        guard path == "/console" || path.hasPrefix("/console/") else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let refusal as ConsoleRefusal {
            response = Self.response(for: refusal, method: request.method)
        } catch let error as HTTPError {
            let status = error.status
            let message = status == .notFound ? "There is no console page at this address." : error.body ?? status.reasonPhrase
            response = Self.page(status, title: status == .notFound ? "Not found" : status.reasonPhrase, message: "\(message)")
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            response = Self.page(
                .internalServerError, title: "Something went wrong",
                message: "The console could not answer this request; the daemon's log has the details.")
        }
        Self.protect(&response.headers)
        return response
    }

    static func protect(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        if headers[.cacheControl] == nil { headers[.cacheControl] = "no-store" }
    }

    static func response(for refusal: ConsoleRefusal, method: HTTPRequest.Method) -> Response {
        switch refusal {
        case .signInNeeded(let returnPath) where method == .get || method == .head:
            return redirect(to: "/console/signin\(ConsoleLayout.query([("return", returnPath)]))")
        case .signInNeeded:
            return page(
                .unauthorized, title: "Sign in first", message: "Your session has ended or was never valid.", link: ("/console/signin", "Sign in"))
        case .forbidden(let message):
            return page(.forbidden, title: "Not allowed", message: "\(message)")
        case .notFound(let message):
            return page(.notFound, title: "Not found", message: "\(message)")
        case .badRequest(let message):
            return page(.badRequest, title: "Bad request", message: "\(message)")
        case .unavailable(let message):
            return page(.serviceUnavailable, title: "The console is not available", message: "\(message)")
        case .tooMany(let message):
            return page(.tooManyRequests, title: "Too many open", message: "\(message)")
        }
    }

    static func page(_ status: HTTPResponse.Status, title: String, message: HTML, link: (String, String)? = nil) -> Response {
        html(
            MessagePage(title: title, message: message, link: link.map { (href: $0.0, text: $0.1) }).html(
                layout: ConsoleLayout(session: nil, verification: nil)), status: status)
    }

    static func html(_ html: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html.markup)))
    }

    /// A 303 to a console path (never elsewhere: `location` is always one of ours).
    static func redirect(to location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
