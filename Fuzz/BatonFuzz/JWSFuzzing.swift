import BatonCore
import BatonIdentity
import Foundation

/// The compact JWS parser every inbound bearer token meets first, and base64url.
enum JWSFuzzing {
    static let target = FuzzTarget(name: "jws", summary: "CompactJWS(parsing:) and Base64URL on any text") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let token = try? CompactJWS(parsing: text) {
            // Accepted: three parts whose first two decoded to JSON objects, within the size limit.
            guard text.utf8.count <= 16 * 1024 else { violated("an oversized token was accepted") }
            guard text.split(separator: ".", omittingEmptySubsequences: false).count == 3 else {
                violated("a token without three parts was accepted")
            }
            _ = token.header["kid"]
        }
        if let decoded = Base64URL.decode(text) {
            // Decoding then encoding gives back the unpadded text.
            let again = Base64URL.encode(decoded)
            guard Base64URL.decode(again) == decoded else { violated("base64url round trip", text) }
        }
    }
}
