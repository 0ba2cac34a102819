import BatonCore
import Crypto
import Foundation
import _CryptoExtras

/// One public key of a JWK Set (RFC 7517), with the fields Entra publishes.
public struct JSONWebKey: Codable, Sendable, Equatable {
    public var kty: String
    public var use: String?
    public var kid: String?
    /// Base64url SHA-1 thumbprint of the certificate; Entra makes it equal to `kid`.
    public var x5t: String?
    /// The certificate chain, standard base64 DER, leaf first.
    public var x5c: [String]?
    /// RSA modulus and exponent, base64url.
    public var n: String?
    public var e: String?
    /// EC curve and coordinates, base64url.
    public var crv: String?
    public var x: String?
    public var y: String?
    public var alg: String?
    /// Entra publishes the issuer each key may sign for (templated with `{tenantid}` on multi-tenant sets).
    public var issuer: String?

    public init(
        kty: String, use: String? = "sig", kid: String?, x5t: String? = nil, x5c: [String]? = nil, n: String? = nil, e: String? = nil,
        crv: String? = nil, x: String? = nil, y: String? = nil, alg: String? = nil, issuer: String? = nil
    ) {
        self.kty = kty
        self.use = use
        self.kid = kid
        self.x5t = x5t
        self.x5c = x5c
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.y = y
        self.alg = alg
        self.issuer = issuer
    }

    /// The JWK of an RSA or P-256 public key.
    public init(_ key: JWSVerificationKey, kid: String, x5t: String? = nil, x5c: [String]? = nil, issuer: String? = nil) throws {
        switch key {
        case .rsa(let rsa):
            let primitives = try rsa.getKeyPrimitives()
            self.init(
                kty: "RSA", kid: kid, x5t: x5t, x5c: x5c, n: Base64URL.encode(primitives.modulus), e: Base64URL.encode(primitives.publicExponent),
                issuer: issuer)
        case .p256(let p256):
            let point = p256.x963Representation.dropFirst()
            self.init(
                kty: "EC", kid: kid, x5t: x5t, x5c: x5c, crv: "P-256", x: Base64URL.encode(point.prefix(32)), y: Base64URL.encode(point.suffix(32)),
                issuer: issuer)
        }
    }

    /// The key this JWK describes, or `nil` when it is of an unsupported type or malformed.
    public func verificationKey() -> JWSVerificationKey? {
        switch kty {
        case "RSA":
            guard let n = n.flatMap(Base64URL.decode), let e = e.flatMap(Base64URL.decode),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e), key.keySizeInBits >= 2048
            else { return nil }
            return .rsa(key)
        case "EC":
            guard crv == "P-256", let x = x.flatMap(Base64URL.decode), let y = y.flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
            else { return nil }
            return .p256(key)
        default:
            return nil
        }
    }
}

/// A JWK Set document: `{"keys": [...]}`.
public struct JSONWebKeySet: Codable, Sendable, Equatable {
    public var keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
    }
}
