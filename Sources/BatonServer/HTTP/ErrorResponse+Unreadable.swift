import BatonIdentity
import BatonListeners
import Foundation
internal import HTTPTypes

extension ErrorResponse {
    /// The daemon's answers to requests its HTTP parser refuses, in the API's one error shape:
    /// an `Authorization` value with bytes no field may carry is a refused bearer token like
    /// any other (401, `WWW-Authenticate`, `token_unreadable`); a head over 80 KiB — the most
    /// the parser reads — is 431 `request_head_too_large`; anything else 400 `request_malformed`.
    static let unreadable: UnreadableRequest.Answers = { request in
        let response =
            switch request {
            case .unreadableAuthorization:
                ErrorResponse(TokenRejection.malformed(.unreadable))
            case .headTooLarge:
                ErrorResponse(
                    status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "request_head_too_large",
                    message: "the request head is over 80 KiB, the most this daemon reads")
            case .malformed:
                ErrorResponse(status: .badRequest, code: "request_malformed", message: "the request is not valid HTTP/1.1")
            }
        var headers = response.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return .init(status: response.status, headers: headers, body: Array((try? JSONEncoder().encode(response.body)) ?? Data()))
    }
}
