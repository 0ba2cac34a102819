public import HTTPTypes

/// A request the HTTP parser could not read, and what its connection is answered before it
/// is closed.
///
/// The parser refuses a head over 80 KiB (`maxHeaderFieldSize`/`maxHeaderListSize`) and a
/// head with bytes HTTP forbids (a NUL, a bare control character). Without a say in it, the
/// server answers both with a bare `400`; a listener decides here what each deserves — the
/// daemon answers an unreadable `Authorization` value as it answers any other refused
/// bearer token (401 with a challenge), and a head too large to read with 431.
public enum UnreadableRequest: Sendable, Equatable {
    /// The request head is larger than the parser reads.
    case headTooLarge
    /// The `Authorization` field's value holds a byte no field value may.
    case unreadableAuthorization
    /// Anything else the parser refused.
    case malformed

    /// One answer: status, fields and a body (already encoded).
    public struct Answer: Sendable {
        public var status: HTTPResponse.Status
        public var headers: HTTPFields
        public var body: [UInt8]

        public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Answers for each kind.
    public typealias Answers = @Sendable (UnreadableRequest) -> Answer

    /// The plain answers of a listener with no bearer tokens: 431 for a head too large, else 400.
    public static let plainAnswers: Answers = { request in
        switch request {
        case .headTooLarge:
            Answer(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"))
        case .unreadableAuthorization, .malformed:
            Answer(status: .badRequest)
        }
    }
}
