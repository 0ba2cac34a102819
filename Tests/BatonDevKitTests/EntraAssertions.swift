import BatonCore
import BatonIdentity
import BatonTestSupport
import Foundation
import Testing

/// The claims of a token, unverified (tests verify signatures separately).
func claims(of token: String) throws -> JSONObject {
    try CompactJWS(parsing: token).claims
}

/// Checks Entra's error shape and returns the AADSTS code.
@discardableResult
func expectEntraError(_ result: HTTPResult, status: Int = 400, error: String, code: Int, sourceLocation: SourceLocation = #_sourceLocation)
    -> [String: Any]
{
    let body = result.json
    #expect(result.status == status, "\(result.body)", sourceLocation: sourceLocation)
    #expect(body["error"] as? String == error, "\(result.body)", sourceLocation: sourceLocation)
    #expect(body["error_codes"] as? [Int] == [code], sourceLocation: sourceLocation)
    let description = body["error_description"] as? String ?? ""
    #expect(description.hasPrefix("AADSTS\(code): "), "\(description)", sourceLocation: sourceLocation)
    #expect(
        description.contains("\r\nTrace ID: ") && description.contains("\r\nCorrelation ID: ") && description.contains("\r\nTimestamp: "),
        sourceLocation: sourceLocation)
    #expect((body["timestamp"] as? String)?.wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/) != nil, sourceLocation: sourceLocation)
    #expect((body["trace_id"] as? String)?.count == 36, sourceLocation: sourceLocation)
    #expect((body["correlation_id"] as? String)?.count == 36, sourceLocation: sourceLocation)
    #expect(result.headers["cache-control"] == "no-store, no-cache", sourceLocation: sourceLocation)
    return body
}
