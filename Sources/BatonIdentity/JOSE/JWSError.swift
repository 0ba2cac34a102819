import BatonCore

/// Why a compact JWS could not be parsed or signed. Never contains the token.
public enum JWSError: BatonError, Equatable {
    case empty
    case oversized(bytes: Int, limit: Int)
    case notThreeParts(found: Int)
    case badBase64(part: String)
    case headerNotJSON
    case payloadNotJSON
    case algorithmKeyMismatch(JWSAlgorithm)
    case unencodable
    /// Bytes no HTTP field value may carry (a NUL or another control character): the HTTP
    /// parser refused the request before any verifier saw the token.
    case unreadable

    public var code: String {
        switch self {
        case .empty: "token_empty"
        case .oversized: "token_oversized"
        case .notThreeParts: "token_malformed"
        case .badBase64: "token_bad_base64"
        case .headerNotJSON: "token_header_not_json"
        case .payloadNotJSON: "token_payload_not_json"
        case .algorithmKeyMismatch: "signing_key_mismatch"
        case .unencodable: "token_unencodable"
        case .unreadable: "token_unreadable"
        }
    }

    public var description: String {
        switch self {
        case .empty: "the token is empty"
        case .oversized(let bytes, let limit): "the token is \(bytes) bytes, over the limit of \(limit)"
        case .notThreeParts(let found): "a JWS has three dot-separated parts; this token has \(found)"
        case .badBase64(let part): "the token's \(part) is not base64url"
        case .headerNotJSON: "the token's header is not a JSON object"
        case .payloadNotJSON: "the token's payload is not a JSON object"
        case .algorithmKeyMismatch(let algorithm): "the signing key cannot sign \(algorithm.rawValue)"
        case .unencodable: "the header or claims could not be encoded as JSON"
        case .unreadable: "the token holds a byte no HTTP field may carry (a control character)"
        }
    }
}
