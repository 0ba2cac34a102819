import Crypto
import Foundation
import _CryptoExtras

/// A private key that signs JWS: RSA (RS256, PS256) or P-256 (ES256).
public enum JWSSigningKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case p256(P256.Signing.PrivateKey)

    /// Reads a PEM private key (PKCS#1, PKCS#8 or SEC1).
    public init(pem: String) throws {
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(rsa)
        } else {
            self = .p256(try P256.Signing.PrivateKey(pemRepresentation: pem))
        }
    }

    /// The matching public key.
    public var verificationKey: JWSVerificationKey {
        switch self {
        case .rsa(let key): .rsa(key.publicKey)
        case .p256(let key): .p256(key.publicKey)
        }
    }

    /// Signs `input` (the JWS signing input) with `algorithm`.
    public func sign(_ input: some DataProtocol, algorithm: JWSAlgorithm) throws -> Data {
        switch (self, algorithm) {
        case (.rsa(let key), .rs256):
            try key.signature(for: SHA256.hash(data: Data(input)), padding: .insecurePKCS1v1_5).rawRepresentation
        case (.rsa(let key), .ps256):
            try key.signature(for: SHA256.hash(data: Data(input)), padding: .PSS).rawRepresentation
        case (.p256(let key), .es256):
            try key.signature(for: Data(input)).rawRepresentation
        default:
            throw JWSError.algorithmKeyMismatch(algorithm)
        }
    }
}

/// A public key that checks JWS signatures.
public enum JWSVerificationKey: Sendable {
    case rsa(_RSA.Signing.PublicKey)
    case p256(P256.Signing.PublicKey)

    /// Whether `signature` over `input` is valid under `algorithm`; a key of another type is never valid.
    public func isValid(_ signature: Data, for input: some DataProtocol, algorithm: JWSAlgorithm) -> Bool {
        switch (self, algorithm) {
        case (.rsa(let key), .rs256):
            key.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: Data(input)), padding: .insecurePKCS1v1_5)
        case (.rsa(let key), .ps256):
            key.isValidSignature(.init(rawRepresentation: signature), for: SHA256.hash(data: Data(input)), padding: .PSS)
        case (.p256(let key), .es256):
            (try? P256.Signing.ECDSASignature(rawRepresentation: signature)).map { key.isValidSignature($0, for: Data(input)) } ?? false
        default:
            false
        }
    }

    /// The algorithms this key can check.
    public var algorithms: Set<JWSAlgorithm> {
        switch self {
        case .rsa: [.rs256, .ps256]
        case .p256: [.es256]
        }
    }
}
