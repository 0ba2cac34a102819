import Foundation

/// What an authorization code stands for: one user's interactive sign-in at one client,
/// for one redirect URI and one set of scopes, proven later with the PKCE verifier. Kept in
/// memory only and redeemed at most once.
struct AuthorizationCodeGrant: Sendable {
    /// How long a code can be redeemed; Entra's codes last about ten minutes.
    static let lifetime: TimeInterval = 600
    /// How long an expired or redeemed code is remembered, so that a late or second use is
    /// told so (AADSTS70008, AADSTS54005) rather than that the code is unknown.
    static let remembered: TimeInterval = 3600

    let clientID: String
    let redirectURI: String
    let userOID: String
    let requested: RequestedScopes
    let resource: DevApplication
    /// The delegated scopes granted at sign-in; a redemption may ask for these or fewer.
    let scopes: [String]
    let challenge: PKCEChallenge
    let nonce: String?
    /// How the user signed in, carried into `amr`.
    let amr: [String]
    let authenticatedAt: Date
    let expiresAt: Date
}
