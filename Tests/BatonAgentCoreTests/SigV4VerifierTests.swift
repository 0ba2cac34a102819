import BatonCore
import BatonTestSupport
import Foundation
import Testing

@testable import BatonAgentCore

@Suite("AWS Signature Version 4, verified as AWS verifies it")
struct SigV4VerifierTests {
    static let accessKey = "AKIABATONDEVEXAMPLE1"
    static let secret = Secret("baton/dev/secret/key/EXAMPLEKEY0000000000")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/sigv4_sign.py").path

    static func verifier(region: String = "us-east-1", secret: Secret = secret, at now: Date) -> SigV4Verifier {
        SigV4Verifier(region: region, service: "bedrock-agentcore", secrets: { $0 == accessKey ? secret : nil }, now: { now })
    }

    /// Requests botocore signed, and when it signed each.
    static func signedByBotocore() async throws -> [(name: String, request: SigV4Request, signedAt: Date)] {
        let (status, output) = try await ChildProcess.run(
            try InteropVirtualenv.python("agentcore", overriddenBy: "BATON_AGENTCORE_PYTHON"), [script],
            environment: [
                "ACCESS_KEY": accessKey, "SECRET_KEY": secret.revealed, "REGION": "us-east-1", "SERVICE": "bedrock-agentcore",
                "URL": "http://127.0.0.1:9999",
            ])
        try #require(status == 0, "\(output)")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return try output.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let headers = (object["headers"] as? [[String]] ?? []).map { (name: $0[0], value: $0[1]) }
            let request = SigV4Request(
                method: object["method"] as! String, path: object["path"] as! String, query: object["query"] as? String ?? "", headers: headers,
                body: Array(Data(base64Encoded: object["body"] as! String)!))
            return (object["name"] as! String, request, try #require(formatter.date(from: object["signed_at"] as! String)))
        }
    }

    @Test("botocore's signatures verify: a JSON operation, a query with repeated and encoded keys, an encoded path, padded header values")
    func botocoreSignaturesVerify() async throws {
        let signed = try await Self.signedByBotocore()
        #expect(signed.map(\.name) == ["operation", "query", "encoded path", "empty body"])
        for (name, request, signedAt) in signed {
            #expect(throws: Never.self, "\(name)") { try Self.verifier(at: signedAt).verify(request) }
            #expect((try? Self.verifier(at: signedAt).verify(request)) == Self.accessKey)
        }
    }

    @Test(
        "refused: a changed body, path or signed header, another secret, another region, a request replayed 10 minutes late, an unknown key, no signature, a signature without host"
    )
    func refusals() async throws {
        let (_, request, signedAt) = try #require(try await Self.signedByBotocore().first)
        let verifier = Self.verifier(at: signedAt)
        var body = request
        body.body = Array(#"{"workloadName": "crm"}"#.utf8)
        #expect(throws: SigV4Error.signatureMismatch) { try verifier.verify(body) }
        var path = request
        path.path = "/identities/GetWorkloadAccessTokenForJWT"
        #expect(throws: SigV4Error.signatureMismatch) { try verifier.verify(path) }
        var header = request
        header.headers = header.headers.map { $0.name.lowercased() == "content-type" ? (name: $0.name, value: "text/plain") : $0 }
        #expect(throws: SigV4Error.signatureMismatch) { try verifier.verify(header) }
        #expect(throws: SigV4Error.signatureMismatch) { try Self.verifier(secret: Secret("another-secret"), at: signedAt).verify(request) }
        #expect(throws: SigV4Error.wrongScope("the region is us-east-1; this service is in eu-west-1")) {
            try Self.verifier(region: "eu-west-1", at: signedAt).verify(request)
        }
        #expect {
            try Self.verifier(at: signedAt.addingTimeInterval(600)).verify(request)
        } throws: { error in
            guard case SigV4Error.expired = error else { return false }
            return (error as? SigV4Error)?.errorType == "InvalidSignatureException"
        }
        let stranger = SigV4Verifier(region: "us-east-1", service: "bedrock-agentcore", secrets: { _ in nil }, now: { signedAt })
        #expect(throws: SigV4Error.unknownAccessKey) { try stranger.verify(request) }
        var unsigned = request
        unsigned.headers.removeAll { $0.name.lowercased() == "authorization" }
        #expect(throws: SigV4Error.missingAuthentication) { try verifier.verify(unsigned) }
        var hostless = request
        hostless.headers.removeAll { $0.name.lowercased() == "host" }
        #expect(throws: SigV4Error.malformed("the signed header host is not in the request")) { try verifier.verify(hostless) }
    }

    @Test("Baton's own signer signs what botocore signs: the same Authorization for the same request and time, and it verifies")
    func signerMatchesBotocore() async throws {
        let (_, request, signedAt) = try #require(try await Self.signedByBotocore().first)
        var unsigned = request
        unsigned.headers.removeAll { ["authorization", "x-amz-date"].contains($0.name.lowercased()) }
        let signer = SigV4Signer(accessKey: Self.accessKey, secret: Self.secret, region: "us-east-1", service: "bedrock-agentcore")
        let ours = signer.sign(unsigned, at: signedAt)
        #expect(ours.values(of: "authorization") == request.values(of: "authorization"))
        #expect((try? Self.verifier(at: signedAt).verify(ours)) == Self.accessKey)
    }

    @Test("the canonical path and query are AWS's: dot segments resolved, segments encoded again, pairs sorted and encoded")
    func canonicalForms() {
        #expect(SigV4Verifier.canonicalPath("/a/./b/../c%20d") == "/a/c%2520d")
        #expect(SigV4Verifier.canonicalQuery("b=2&a=1&a=0&space=x%20y&tilde=~z&empty") == "a=0&a=1&b=2&empty=&space=x%20y&tilde=~z")
    }
}
