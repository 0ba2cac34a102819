import BatonConnectors
import BatonCore
import BatonIdentity
import Crypto
import Foundation
import Logging

/// Accepts bearer tokens the way a real instance's OIDC inbound integration does, and
/// maps each to its session user.
///
/// Signature via the metadata URL's JWKS, `iss` equal to the metadata's issuer, `aud`
/// equal to the client id, times within the clock skew on the instance's clock, optional
/// single-use `jti`, then the user claim looked up in the user field. Every refusal is the
/// same 401 to the caller; the reason goes to the log (and ``lastRejection``), as on a
/// real instance, where it is only in the system log.
actor ServiceNowAuthenticator {
    private(set) var settings: ServiceNowOIDCSettings
    private var verifier: TokenVerifier
    private var usedTokenIDs: Set<String> = []
    private let instance: ServiceNowInstance
    private let logger: Logger
    /// Why the last token was refused, for tests and the `/_dev` routes.
    private(set) var lastRejection: String?
    /// The last tokens accepted (at most 100, oldest first), as what they said and a hash:
    /// what a test asserts the instance was sent. The tokens themselves are not kept.
    private(set) var accepted: [AcceptedToken] = []

    /// One accepted token: its audience, user, calling application and SHA-256 (hex).
    struct AcceptedToken: Sendable, Encodable {
        let aud: String?
        let oid: String?
        let azp: String?
        let sha256: String
    }

    init(settings: ServiceNowOIDCSettings, instance: ServiceNowInstance, logger: Logger) {
        self.settings = settings
        self.instance = instance
        self.logger = logger
        self.verifier = Self.makeVerifier(settings, instance: instance, logger: logger)
    }

    func update(_ settings: ServiceNowOIDCSettings) {
        self.settings = settings
        verifier = Self.makeVerifier(settings, instance: instance, logger: logger)
        usedTokenIDs.removeAll()
    }

    /// The session for `authorization` (the header's value), or 401.
    func session(authorization: String?) async throws(ServiceNowFailure) -> ServiceNowInstance.Session {
        guard let authorization, authorization.lowercased().hasPrefix("bearer ") else {
            throw refuse("no bearer token in the Authorization header")
        }
        let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(token, policy: TokenPolicy(audiences: [settings.clientID], requireUser: true))
        } catch {
            throw refuse("the token was not accepted: \(error)")
        }
        if settings.jtiVerification {
            guard let jti = verified.claims["jti"]?.stringValue else { throw refuse("JTI verification is on and the token has no jti claim") }
            guard usedTokenIDs.insert(jti).inserted else { throw refuse("JTI verification is on and this token was already used") }
        }
        guard let claimed = verified.claims[settings.userClaim]?.stringValue else {
            throw refuse("the token has no '\(settings.userClaim)' claim (the configured user claim)")
        }
        guard let user = await instance.user(where: settings.userField, equals: claimed) else {
            throw refuse("no active sys_user has \(settings.userField) = '\(claimed)'")
        }
        lastRejection = nil
        accepted.append(
            AcceptedToken(
                aud: verified.claims["aud"]?.stringValue, oid: verified.claims["oid"]?.stringValue,
                azp: verified.claims["azp"]?.stringValue ?? verified.claims["appid"]?.stringValue,
                sha256: Hex.encode(Array(SHA256.hash(data: Data(token.utf8))))))
        if accepted.count > 100 { accepted.removeFirst(accepted.count - 100) }
        return await instance.session(for: user)
    }

    private func refuse(_ reason: String) -> ServiceNowFailure {
        lastRejection = reason
        logger.info("inbound token refused", metadata: ["reason": "\(reason)"])
        return .notAuthenticated
    }

    private static func makeVerifier(_ settings: ServiceNowOIDCSettings, instance: ServiceNowInstance, logger: Logger) -> TokenVerifier {
        let issuer = TrustedIssuer(name: "oidc", kind: .openIDConnect(discoveryURL: settings.metadataURL), algorithms: [.rs256, .ps256, .es256])
        return TokenVerifier(
            issuers: [issuer], settings: VerifierSettings(clockSkew: .seconds(settings.clockSkewSeconds)),
            fingerprinter: TokenFingerprinter(key: SymmetricKey(size: .bits256)), logger: logger,
            now: { instance.clock.now })
    }
}
