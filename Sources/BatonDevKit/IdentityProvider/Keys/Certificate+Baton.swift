import BatonCore
import BatonIdentity
import Crypto
import Foundation
internal import SwiftASN1
internal import X509
import _CryptoExtras

extension Certificate {
    /// The DER encoding, as `x5c` carries it and thumbprints are computed over.
    func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// A self-signed certificate for `key`, valid from an hour ago for `lifetime`.
    static func selfSigned(commonName: String, key: _RSA.Signing.PrivateKey, lifetime: TimeInterval = 365 * 86_400) throws -> Certificate {
        try issued(commonName: commonName, key: key, lifetime: lifetime, issuer: nil, extensions: Certificate.Extensions())
    }

    /// A certificate for `key` signed by `issuer` (or by `key` itself when `issuer` is `nil`).
    static func issued(
        commonName: String,
        key: _RSA.Signing.PrivateKey,
        lifetime: TimeInterval,
        issuer: (name: DistinguishedName, key: _RSA.Signing.PrivateKey)?,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(lifetime),
            issuer: issuer?.name ?? name,
            subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: extensions,
            issuerPrivateKey: .init(issuer?.key ?? key)
        )
    }
}

/// Certificate thumbprints as JOSE headers carry them (`x5t`, `x5t#S256`): base64url, no padding.
enum Thumbprint {
    static func sha1(_ der: some DataProtocol) -> String {
        Base64URL.encode(Data(Insecure.SHA1.hash(data: Data(der))))
    }

    static func sha256(_ der: some DataProtocol) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(der))))
    }
}
