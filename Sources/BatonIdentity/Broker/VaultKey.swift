import BatonCore
import Crypto
import Foundation

/// The identity of one cached exchange: SHA-256 over the issuer, tenant, exchanging
/// client, target audience, canonical scope set and the hash of the user assertion.
///
/// Like MSAL's OBO cache, a new assertion (a new inbound token) is a new key, so a token
/// is only ever reused for the exact token it was exchanged from. The assertion enters
/// only as a hash; the key reveals nothing of it.
public struct VaultKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32, "a vault key is a SHA-256 digest")
        self.bytes = bytes
    }

    public init(issuer: String, tenantID: String, clientID: String, audience: String, scopes: ScopeSet, userAssertion: Secret) {
        let assertionHash = Data(SHA256.hash(data: Data(userAssertion.revealed.utf8))).base64EncodedString()
        self.init(domain: "exchange", fields: [issuer, tenantID.lowercased(), clientID.lowercased(), audience, scopes.canonical, assertionHash])
    }

    /// SHA-256 over a domain label and length-prefixed fields, so keys of different kinds never collide.
    init(domain: String, fields: [String]) {
        var hasher = SHA256()
        for field in [domain] + fields {
            let data = Data(field.utf8)
            hasher.update(data: withUnsafeBytes(of: UInt32(data.count).bigEndian) { Data($0) })
            hasher.update(data: data)
        }
        self.init(bytes: Array(hasher.finalize()))
    }

    /// Lower-case hex, for logs and the CLI.
    public var description: String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
