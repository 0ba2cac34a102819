import BatonCore
import BatonIdentity
import Crypto
import Foundation
internal import X509
import _CryptoExtras

/// How a client proved who it is; becomes `azpacr` (v2) or `appidacr` (v1).
enum ClientCredentialKind: String, Sendable {
    case publicClient = "0"
    case secret = "1"
    case certificate = "2"
}

extension DevIdentityProvider {
    /// Entra's client checks, in Entra's order (§2.3 step 2).
    func authenticateClient(_ request: TokenRequest) throws(EntraError) -> (DevApplication, ClientCredentialKind) {
        guard let clientID = request.clientID else { throw .missingParameter("client_id") }
        guard let client = tenant.application(clientID), client.appID == clientID.lowercased() else {
            throw .unknownClient(clientID, tenant: tenant.id)
        }
        let secret = request["client_secret"] ?? request.basicCredentials?.secret
        let assertion = request["client_assertion"]
        if client.isPublicClient {
            guard secret == nil, assertion == nil else { throw .publicClientWithCredential }
            return (client, .publicClient)
        }
        if let assertion {
            guard request["client_assertion_type"] == GrantType.clientAssertionJWT else { throw .missingParameter("client_assertion_type") }
            try verifyClientAssertion(assertion, client: client)
            return (client, .certificate)
        }
        guard let secret else { throw .noCredential }
        guard client.secrets.contains(where: { Self.constantTimeEquals($0.revealed, secret) }) else { throw .invalidSecret(client.appID) }
        return (client, .secret)
    }

    /// A `private_key_jwt` client assertion (§2.2): RS256 + `x5t` or PS256 + `x5t#S256`,
    /// padded or not; `iss` = `sub` = client; `aud` = the token endpoint; within its time window.
    private func verifyClientAssertion(_ assertion: String, client: DevApplication) throws(EntraError) {
        guard let jws = try? CompactJWS(parsing: assertion) else { throw .clientAssertionInvalid("The client assertion is not a valid JWT.") }
        let certificates = client.certificates.map { der in (der, Thumbprint.sha1(der), Thumbprint.sha256(der)) }
        let sha256 = jws.header["x5t#S256"]?.stringValue.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "=")) }
        let sha1 = jws.header["x5t"]?.stringValue.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "=")) }
        guard let match = certificates.first(where: { $0.2 == sha256 || $0.1 == sha1 }) else {
            throw .clientAssertionInvalid("Client assertion contains an invalid signature. [Reason - The key was not found.]")
        }
        guard let algorithm = jws.algorithm, algorithm != .es256,
            let certificate = try? Certificate(derEncoded: Array(match.0)),
            let publicKey = _RSA.Signing.PublicKey(certificate.publicKey),
            JWSVerificationKey.rsa(publicKey).isValid(jws.signature, for: jws.signingInput, algorithm: algorithm)
        else { throw .clientAssertionSignature }
        let issuer = jws.claims["iss"]?.stringValue
        guard issuer?.lowercased() == client.appID else {
            throw .clientAssertionInvalid("The client assertion's issuer is not the client '\(client.appID)'.")
        }
        guard jws.claims["sub"]?.stringValue == issuer else { throw .clientAssertionSubjectMismatch }
        let audiences = jws.claims["aud"]?.stringValue.map { [$0] } ?? jws.claims["aud"]?.stringArrayValue ?? []
        let accepted = [tokenEndpoint, EntraEndpoints.tokenEndpoint(authority: baseURL, tenant: tenant.domain), issuerV2]
        guard audiences.count == 1, accepted.contains(audiences[0]) else {
            throw .clientAssertionInvalid("The audience claim of the client assertion must be the token endpoint '\(tokenEndpoint)'.")
        }
        let skew: TimeInterval = 300
        let now = now.timeIntervalSince1970
        guard let expiry = jws.claims["exp"]?.integerValue, Double(expiry) + skew > now else { throw .clientAssertionTimeWindow }
        for claim in ["nbf", "iat"] {
            if let start = jws.claims[claim]?.integerValue, Double(start) - skew > now { throw .clientAssertionTimeWindow }
        }
    }

    /// Compares secrets without an early exit, so timing says nothing about where they differ.
    static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        ConstantTime.equals(left, right)
    }
}
