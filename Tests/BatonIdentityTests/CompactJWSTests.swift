import BatonCore
import BatonIdentity
import Crypto
import Foundation
import Testing
import _CryptoExtras

@Suite("Compact JWS")
struct CompactJWSTests {
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    let claims: JSONObject = ["sub": "user", "exp": 1_700_000_000, "scp": "a b", "roles": ["x"]]

    @Test("RS256, PS256 and ES256 tokens verify with the matching public key", arguments: JWSAlgorithm.allCases)
    func signAndVerify(algorithm: JWSAlgorithm) throws {
        let key: JWSSigningKey = algorithm == .es256 ? .p256(P256.Signing.PrivateKey()) : .rsa(Self.rsa)
        let token = try CompactJWS.sign(header: ["kid": "k1", "typ": "JWT"], claims: claims, key: key, algorithm: algorithm)
        let parsed = try CompactJWS(parsing: token)
        #expect(parsed.algorithm == algorithm)
        #expect(parsed.header["kid"] == "k1")
        #expect(parsed.claims == claims)
        #expect(parsed.claims["exp"]?.integerValue == 1_700_000_000)
        #expect(key.verificationKey.isValid(parsed.signature, for: parsed.signingInput, algorithm: algorithm))
    }

    @Test("a signature does not verify under another algorithm, another key or after the payload changes")
    func tamperingIsDetected() throws {
        let key = JWSSigningKey.rsa(Self.rsa)
        let parsed = try CompactJWS(parsing: CompactJWS.sign(header: [:], claims: claims, key: key, algorithm: .rs256))
        #expect(!key.verificationKey.isValid(parsed.signature, for: parsed.signingInput, algorithm: .ps256))
        #expect(!JWSSigningKey.p256(.init()).verificationKey.isValid(parsed.signature, for: parsed.signingInput, algorithm: .rs256))
        var input = parsed.signingInput
        input[input.count - 1] ^= 1
        #expect(!key.verificationKey.isValid(parsed.signature, for: input, algorithm: .rs256))
    }

    @Test("malformed tokens are refused with the specific reason")
    func malformed() {
        let header = Base64URL.encode(Data(#"{"alg":"RS256"}"#.utf8))
        let payload = Base64URL.encode(Data(#"{"sub":"u"}"#.utf8))
        let cases: [(String, JWSError)] = [
            ("", .empty),
            ("a.b", .notThreeParts(found: 2)),
            ("a.b.c.d", .notThreeParts(found: 4)),
            ("\(header)=.\(payload).c2ln", .badBase64(part: "header")),
            ("\(header).\(payload)+.c2ln", .badBase64(part: "payload")),
            ("\(header).\(payload).c2l*", .badBase64(part: "signature")),
            ("\(Base64URL.encode(Data("not json".utf8))).\(payload).c2ln", .headerNotJSON),
            ("\(Base64URL.encode(Data("[1]".utf8))).\(payload).c2ln", .headerNotJSON),
            ("\(header).\(Base64URL.encode(Data("\"text\"".utf8))).c2ln", .payloadNotJSON),
            (String(repeating: "a", count: 20_000), .oversized(bytes: 20_000, limit: 16_384)),
        ]
        for (token, expected) in cases {
            #expect(throws: expected) { try CompactJWS(parsing: token) }
        }
    }

    @Test("a JWK round-trips an RSA and a P-256 public key")
    func jwkRoundTrip() throws {
        let message = Data("hello".utf8)
        for key in [JWSSigningKey.rsa(Self.rsa), .p256(.init())] {
            let algorithm: JWSAlgorithm = if case .rsa = key { .rs256 } else { .es256 }
            let jwk = try JSONWebKey(key.verificationKey, kid: "k")
            let decoded = try JSONDecoder().decode(JSONWebKey.self, from: JSONEncoder().encode(jwk))
            let restored = try #require(decoded.verificationKey())
            #expect(restored.isValid(try key.sign(message, algorithm: algorithm), for: message, algorithm: algorithm))
        }
    }

    @Test("RSA keys under 2048 bits and unknown key types are not usable")
    func weakOrUnknownKeys() throws {
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        #expect(try JSONWebKey(.rsa(small.publicKey), kid: "k").verificationKey() == nil)
        #expect(JSONWebKey(kty: "oct", kid: "k").verificationKey() == nil)
    }

    @Test("base64url refuses padding and foreign characters, the lenient form accepts padding")
    func base64url() {
        #expect(Base64URL.encode(Data([0xfb, 0xff])) == "-_8")
        #expect(Base64URL.decode("-_8") == Data([0xfb, 0xff]))
        #expect(Base64URL.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decodeLenient("-_8=") == Data([0xfb, 0xff]))
    }
}
