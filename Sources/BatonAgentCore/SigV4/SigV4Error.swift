/// Why a request's AWS Signature Version 4 is refused, named as AWS services name it so that
/// boto3 raises the exception a client expects (`x-amzn-ErrorType`).
public enum SigV4Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// No `Authorization` header, or not an `AWS4-HMAC-SHA256` one.
    case missingAuthentication
    /// The header does not parse, or misses `host` or `x-amz-date` among the signed headers.
    case malformed(String)
    /// The access key is not one this service knows.
    case unknownAccessKey
    /// The scope names another region or service, or another day than `X-Amz-Date`.
    case wrongScope(String)
    /// `X-Amz-Date` is further from now than the allowed skew (a late replay, a bad clock).
    case expired(String)
    /// The signature is not the one the request and the key's secret give.
    case signatureMismatch

    /// The AWS error name (the `x-amzn-ErrorType` header).
    public var errorType: String {
        switch self {
        case .missingAuthentication: "MissingAuthenticationTokenException"
        case .malformed, .wrongScope: "IncompleteSignatureException"
        case .unknownAccessKey: "UnrecognizedClientException"
        case .expired, .signatureMismatch: "InvalidSignatureException"
        }
    }

    /// The HTTP status AWS answers it with.
    public var status: Int {
        switch self {
        case .missingAuthentication, .unknownAccessKey, .expired, .signatureMismatch: 403
        case .malformed, .wrongScope: 400
        }
    }

    public var description: String {
        switch self {
        case .missingAuthentication: "Missing Authentication Token: sign the request with AWS Signature Version 4"
        case .malformed(let problem): "The request signature is incomplete: \(problem)"
        case .unknownAccessKey: "The security token included in the request is invalid (unknown access key)"
        case .wrongScope(let problem): "The credential scope is wrong: \(problem)"
        case .expired(let problem): "Signature expired: \(problem)"
        case .signatureMismatch:
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
        }
    }
}
