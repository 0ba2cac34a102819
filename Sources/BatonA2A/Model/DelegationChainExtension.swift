/// Baton's A2A extension carrying the delegation chain: A2A 1.0 says nothing of who
/// delegated to whom on a user's behalf, so a Baton daemon that hands work to an A2A agent
/// adds, in the message's metadata under ``uri``, a compact JWS it signs with its ledger
/// key (EdDSA) naming the chain, the hop, the actor path and the hash of the access token
/// it sends beside it. The user still comes from the token alone; the assertion says
/// which agents the request passed through, and the token hash ties it to that token.
///
/// Declared in a card's `capabilities.extensions` (with `params.jwks_uri`), requested with
/// the `A2A-Extensions` header; verified with the key set at ``keysPath``.
public enum DelegationChainExtension {
    public static let uri = "https://baton.dev/a2a/extensions/delegation-chain/v1"
    /// Where a daemon publishes the public key of its ledger key (a JWK Set, OKP Ed25519).
    public static let keysPath = "/.well-known/baton-keys.json"
    /// The JWS `typ` of an assertion.
    public static let type = "baton-chain+jwt"
    /// How long an assertion is valid after it is made.
    public static let lifetimeSeconds: Int64 = 300
}
