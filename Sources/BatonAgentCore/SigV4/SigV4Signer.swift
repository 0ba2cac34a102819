import BatonCore
import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4, as botocore does for services other than
/// S3: `host`, `x-amz-date` and the request's other headers signed (not those the HTTP
/// layer sets or changes: `Content-Length`, `User-Agent`, …), the body's SHA-256.
/// For Baton's own clients of SigV4 services (the AgentCore benchmark); the verifier is
/// ``SigV4Verifier``.
public struct SigV4Signer: Sendable {
    public let accessKey: String
    let secret: Secret
    public let region: String
    public let service: String

    public init(accessKey: String, secret: Secret, region: String, service: String) {
        self.accessKey = accessKey
        self.secret = secret
        self.region = region
        self.service = service
    }

    /// `request` with `X-Amz-Date` and `Authorization` added (it must carry `host`).
    public func sign(_ request: SigV4Request, at date: Date = Date()) -> SigV4Request {
        let amzDate = AmzDate.string(date)
        var signed = request
        signed.headers.removeAll { ["authorization", "x-amz-date"].contains($0.name.lowercased()) }
        signed.headers.append((name: "X-Amz-Date", value: amzDate))
        // As botocore: headers a proxy or the HTTP layer may change are not signed.
        let unsigned: Set<String> = ["authorization", "content-length", "user-agent", "expect", "x-amzn-trace-id", "connection"]
        let names = Array(Set(signed.headers.map { $0.name.lowercased() }).subtracting(unsigned)).sorted()
        let scope = [String(amzDate.prefix(8)), region, service, "aws4_request"]
        let payloadHash = Hex.encode(Array(SHA256.hash(data: signed.body)))
        // Every header named is present, so the canonical request cannot fail here.
        let canonical = (try? SigV4Verifier.canonicalRequest(signed, signedHeaders: names, payloadHash: payloadHash)) ?? ""
        let signature = Hex.encode(SigV4Verifier.signature(of: canonical, at: amzDate, scope: scope, secret: secret))
        signed.headers.append(
            (
                name: "Authorization",
                value:
                    "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope.joined(separator: "/")), SignedHeaders=\(names.joined(separator: ";")), Signature=\(signature)"
            ))
        return signed
    }
}
