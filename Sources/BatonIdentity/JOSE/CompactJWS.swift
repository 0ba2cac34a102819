import BatonCore
import Foundation

/// A JWS in compact serialization (`header.payload.signature`), parsed but not yet trusted.
///
/// Parsing only decodes; it checks nothing about the signature or claims. Verification
/// (issuer keys, algorithm allowlist, claim rules) is the caller's job, and each
/// malformation has its own ``JWSError`` so a refusal can say exactly what was wrong.
///
/// ```swift
/// let token = try CompactJWS.sign(header: ["alg": "RS256", "kid": "k1"], claims: claims, key: key, algorithm: .rs256)
/// let parsed = try CompactJWS(parsing: token)
/// ```
public struct CompactJWS: Sendable {
    /// The decoded protected header.
    public let header: JSONObject
    /// The decoded claims.
    public let claims: JSONObject
    /// `base64url(header) + "." + base64url(payload)`: the bytes the signature covers.
    public let signingInput: Data
    /// The raw signature bytes.
    public let signature: Data

    /// Parses a compact JWS no longer than `sizeLimit` bytes.
    public init(parsing token: String, sizeLimit: Int = 16 * 1024) throws(JWSError) {
        guard !token.isEmpty else { throw .empty }
        guard token.utf8.count <= sizeLimit else { throw .oversized(bytes: token.utf8.count, limit: sizeLimit) }
        let utf8 = token.utf8
        let dots = utf8.indices.filter { utf8[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else { throw .notThreeParts(found: dots.count + 1) }
        let parts = [
            token[utf8.startIndex..<dots[0]], token[utf8.index(after: dots[0])..<dots[1]], token[utf8.index(after: dots[1])..<utf8.endIndex],
        ]
        guard let headerBytes = Base64URL.decode(parts[0]) else { throw .badBase64(part: "header") }
        guard let payloadBytes = Base64URL.decode(parts[1]) else { throw .badBase64(part: "payload") }
        guard let signature = Base64URL.decode(parts[2]) else { throw .badBase64(part: "signature") }
        guard case .object(let header)? = try? StrictJSONParser.parse(headerBytes) else { throw .headerNotJSON }
        guard case .object(let claims)? = try? StrictJSONParser.parse(payloadBytes) else { throw .payloadNotJSON }
        self.header = header
        self.claims = claims
        self.signingInput = Data(utf8[utf8.startIndex..<dots[1]])
        self.signature = signature
    }

    /// The `alg` header, if it names an algorithm Baton knows.
    public var algorithm: JWSAlgorithm? {
        header["alg"]?.stringValue.flatMap(JWSAlgorithm.init(rawValue:))
    }

    /// Signs `claims` under `header` (whose `alg` is set to `algorithm`) and returns the compact form.
    public static func sign(header: JSONObject, claims: JSONObject, key: JWSSigningKey, algorithm: JWSAlgorithm) throws -> String {
        var header = header
        header["alg"] = .string(algorithm.rawValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let headerBytes = try? encoder.encode(header), let claimBytes = try? encoder.encode(claims) else {
            throw JWSError.unencodable
        }
        let input = Base64URL.encode(headerBytes) + "." + Base64URL.encode(claimBytes)
        let signature = try key.sign(Data(input.utf8), algorithm: algorithm)
        return input + "." + Base64URL.encode(signature)
    }
}
