import Foundation

/// What a ServiceNow instance's OIDC inbound integration ("Third party ID token") is
/// configured with — the fields of the OIDC provider entity that decide whether an
/// external token is accepted and which `sys_user` it stands for.
///
/// One model for all who need it: a connector's `oidc:` section (what `baton doctor`
/// checks the token against) and the dev emulator's own configuration.
public struct ServiceNowOIDCSettings: Sendable, Equatable, Codable {
    /// "OIDC Metadata URL": its `issuer` must equal the token's `iss`; its `jwks_uri` gives the keys.
    public var metadataURL: String
    /// "Client ID": must equal the token's `aud`.
    public var clientID: String
    /// "User Claim": the claim read from the token.
    public var userClaim: String
    /// "User Field": the `sys_user` column matched against the claim.
    public var userField: String
    /// "Enable JTI claim verification": each token usable once, and one without `jti` refused.
    public var jtiVerification: Bool
    /// "Clock Skew" in seconds, allowed on `exp`/`nbf`.
    public var clockSkewSeconds: Int

    public init(
        metadataURL: String, clientID: String, userClaim: String = "preferred_username", userField: String = "email",
        jtiVerification: Bool = false, clockSkewSeconds: Int = 300
    ) {
        self.metadataURL = metadataURL
        self.clientID = clientID
        self.userClaim = userClaim
        self.userField = userField
        self.jtiVerification = jtiVerification
        self.clockSkewSeconds = clockSkewSeconds
    }

    enum CodingKeys: String, CodingKey {
        case metadataURL = "metadata_url"
        case clientID = "client_id"
        case userClaim = "user_claim"
        case userField = "user_field"
        case jtiVerification = "jti_verification"
        case clockSkewSeconds = "clock_skew_seconds"
    }
}
