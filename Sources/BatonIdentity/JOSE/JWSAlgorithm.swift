/// The signature algorithms Baton signs and accepts (RFC 7518 §3).
///
/// Deliberately closed: `none` and the HMAC family are not representable, so no code
/// path can accept an unsigned token or a token "signed" with a public key as an HMAC
/// secret (RFC 8725 §2.1, §3.1).
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    /// RSASSA-PKCS1-v1_5 with SHA-256; Entra's algorithm for access tokens.
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256 and MGF1; used by newer certificate client assertions.
    case ps256 = "PS256"
    /// ECDSA on P-256 with SHA-256.
    case es256 = "ES256"
}
