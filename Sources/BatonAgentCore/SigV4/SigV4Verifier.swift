import BatonCore
import Crypto
import Foundation

/// Verifies AWS Signature Version 4 on requests to one service in one region, as AWS does:
/// the canonical request rebuilt from what arrived (method, path, query, the signed
/// headers, the body's SHA-256), the string to sign for the credential's scope, and the
/// HMAC chain of the access key's secret, compared in constant time; `X-Amz-Date` within
/// the allowed skew of now, so a captured request cannot be replayed later.
///
/// Clients sign with botocore, the AWS CLI or any AWS SDK; Baton only verifies.
public struct SigV4Verifier: Sendable {
    public let region: String
    public let service: String
    /// How far `X-Amz-Date` may be from now (AWS: 5 minutes).
    public let skew: Duration
    private let secrets: @Sendable (String) -> Secret?
    private let now: @Sendable () -> Date

    /// - Parameter secrets: the secret access key of an access key id, if it is known.
    public init(
        region: String, service: String, skew: Duration = .seconds(300), secrets: @escaping @Sendable (String) -> Secret?,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.region = region
        self.service = service
        self.skew = skew
        self.secrets = secrets
        self.now = now
    }

    /// The access key id that signed `request`, or why the signature is refused.
    public func verify(_ request: SigV4Request) throws(SigV4Error) -> String {
        let authorization = try Authorization(request.values(of: "authorization").first)
        guard let amzDate = request.values(of: "x-amz-date").first else { throw .malformed("the X-Amz-Date header is required") }
        guard authorization.signedHeaders.contains("host"), authorization.signedHeaders.contains("x-amz-date") else {
            throw .malformed("SignedHeaders must include host and x-amz-date")
        }
        let scope = authorization.scope
        guard scope.count == 4, scope[3] == "aws4_request" else { throw .malformed("the credential scope must be date/region/service/aws4_request") }
        guard scope[1] == region else { throw .wrongScope("the region is \(scope[1]); this service is in \(region)") }
        guard scope[2] == service else { throw .wrongScope("the service is \(scope[2]); this is \(service)") }
        guard amzDate.count == 16, amzDate.hasPrefix(scope[0]) else { throw .wrongScope("the scope's date \(scope[0]) is not X-Amz-Date's day") }
        guard let signedAt = AmzDate.date(amzDate) else { throw .malformed("X-Amz-Date must be YYYYMMDD'T'HHMMSS'Z'") }
        let offset = abs(now().timeIntervalSince(signedAt))
        guard offset <= Double(skew.components.seconds) else {
            throw .expired("\(amzDate) is \(Int(offset)) s away from the server's time (at most \(skew.components.seconds) s)")
        }
        guard let secret = secrets(authorization.accessKey) else { throw .unknownAccessKey }

        let payloadHash = Hex.encode(Array(SHA256.hash(data: request.body)))
        if let declared = request.values(of: "x-amz-content-sha256").first, declared != payloadHash, declared != "UNSIGNED-PAYLOAD" {
            throw .signatureMismatch
        }
        let canonical = try Self.canonicalRequest(request, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash)
        let expected = Self.signature(of: canonical, at: amzDate, scope: scope, secret: secret)
        guard let given = Hex.decode(authorization.signature), given.count == expected.count,
            zip(given, expected).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0
        else { throw .signatureMismatch }
        return authorization.accessKey
    }

    /// The signature of a canonical request: the string to sign for `scope`, HMAC-SHA256
    /// with the key derived from `secret` through the scope's parts.
    static func signature(of canonicalRequest: String, at amzDate: String, scope: [String], secret: Secret) -> [UInt8] {
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope.joined(separator: "/"), Hex.encode(Array(SHA256.hash(data: Data(canonicalRequest.utf8)))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(secret.revealed)".utf8))
        for part in scope {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Array(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// The canonical request of SigV4 (the path and query as AWS services other than S3
    /// normalise them).
    static func canonicalRequest(_ request: SigV4Request, signedHeaders: [String], payloadHash: String) throws(SigV4Error) -> String {
        var headerLines: [String] = []
        for name in signedHeaders {
            let values = request.values(of: name)
            guard !values.isEmpty else { throw .malformed("the signed header \(name) is not in the request") }
            let trimmed = values.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            headerLines.append("\(name):\(trimmed.joined(separator: ","))")
        }
        return [
            request.method.uppercased(), canonicalPath(request.path), canonicalQuery(request.query),
            headerLines.joined(separator: "\n") + "\n",
            signedHeaders.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    /// The path with `.` and `..` segments resolved and each segment encoded again, as
    /// botocore signs it for every service but S3.
    static func canonicalPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let encoded = "/" + segments.map { URLText.percentEncoded(String($0)) }.joined(separator: "/")
        return encoded
    }

    /// `key=value` pairs sorted by key then value, each percent-encoded (RFC 3986 unreserved kept).
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in (String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)) }
            return (URLText.percentEncoded(decode(parts[0])), URLText.percentEncoded(parts.count > 1 ? decode(parts[1]) : ""))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
struct Authorization {
    let accessKey: String
    /// `date/region/service/aws4_request`.
    let scope: [String]
    let signedHeaders: [String]
    let signature: String

    init(_ header: String?) throws(SigV4Error) {
        guard let header, header.hasPrefix("AWS4-HMAC-SHA256 ") else { throw .missingAuthentication }
        var fields: [String: String] = [:]
        for part in header.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw .malformed("'\(part)' is not name=value") }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let credential = fields["Credential"], let signed = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw .malformed("the Authorization header needs Credential, SignedHeaders and Signature")
        }
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty else { throw .malformed("Credential must be accesskey/date/region/service/aws4_request") }
        accessKey = parts[0]
        scope = Array(parts.dropFirst())
        signedHeaders = signed.split(separator: ";").map { $0.lowercased() }
        guard signedHeaders == signedHeaders.sorted() else { throw .malformed("SignedHeaders must be sorted") }
        self.signature = signature
    }
}
