import BatonCore
import Crypto
import Foundation

/// How an agent's app registration proves itself at the token endpoint.
public enum ClientCredential: Sendable {
    /// A client secret, sent in the form body.
    case secret(Secret)
    /// A certificate: a `private_key_jwt` client assertion signed with `key`, carrying the
    /// certificate's thumbprint (`x5t#S256` for PS256, `x5t` for RS256).
    case certificate(key: JWSSigningKey, certificateDER: Data, algorithm: JWSAlgorithm)
}

/// An agent as an OAuth client: its app id, credential and the token endpoint it uses.
public struct ExchangeClient: Sendable {
    public var clientID: String
    public var credential: ClientCredential
    /// e.g. `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`.
    public var tokenEndpoint: String

    public init(clientID: String, credential: ClientCredential, tokenEndpoint: String) {
        self.clientID = clientID
        self.credential = credential
        self.tokenEndpoint = tokenEndpoint
    }

    /// The form fields that authenticate this client (RFC 6749 §2.3, RFC 7523 §2.2).
    func authenticationFields(now: Date = Date()) throws -> [String: String] {
        switch credential {
        case .secret(let secret):
            return ["client_id": clientID, "client_secret": secret.revealed]
        case .certificate(let key, let certificate, let algorithm):
            let thumbprint: JSONObject =
                algorithm == .rs256
                ? ["x5t": .string(Base64URL.encode(Data(Insecure.SHA1.hash(data: certificate))))]
                : ["x5t#S256": .string(Base64URL.encode(Data(SHA256.hash(data: certificate))))]
            let issuedAt = Int64(now.timeIntervalSince1970)
            let claims: JSONObject = [
                "aud": .string(tokenEndpoint), "iss": .string(clientID), "sub": .string(clientID), "jti": .string(UUID().uuidString),
                "iat": .integer(issuedAt), "nbf": .integer(issuedAt), "exp": .integer(issuedAt + 600),
            ]
            let assertion = try CompactJWS.sign(header: thumbprint.merging(["typ": "JWT"]) { $1 }, claims: claims, key: key, algorithm: algorithm)
            return [
                "client_id": clientID, "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            ]
        }
    }
}
