/// An authorization request that passed every check: what the sign-in page asks the user
/// about and posts back, and what the code is bound to once the user has signed in.
struct PendingAuthorization: Sendable {
    let client: DevApplication
    /// Validated against the app's registration; a code or an error may be sent there.
    let redirectURI: String
    let state: String?
    let requested: RequestedScopes
    let resource: DevApplication
    /// The delegated scopes the client may obtain on `resource`.
    let scopes: [String]
    let challenge: PKCEChallenge
    let nonce: String?
    let loginHint: String?
    /// A claims challenge the client is answering (e.g. after AADSTS50076): the sign-in steps up to MFA.
    let claims: String?
    /// The request's own parameters, which the sign-in form carries back in hidden fields.
    let parameters: [(name: String, value: String)]
}
