/// The one JSON shape of every error Baton's HTTP API returns.
///
/// ```json
/// {"error": {"code": "not_found", "message": "no route for GET /v1/nothing"}}
/// ```
/// `code` is stable and meant for programs; `message` is for people and never contains a token.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }

    public var error: Detail

    public init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }
}
