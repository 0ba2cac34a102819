import BatonConfig
import BatonCore
import BatonIdentity
import Foundation

/// OpenID Connect sign-in for the console: the authorization code flow with PKCE (RFC
/// 7636) at the configured issuer, as the public client `console.client_id`.
///
/// The access token that comes back is verified exactly as the HTTP API verifies bearer
/// tokens (issuer, signature, audience, expiry), the ID token's nonce is checked against
/// the one this sign-in sent, and then both are dropped: the session keeps who the user is
/// and their roles, never a token.
actor ConsoleSignIn {
    /// Why a sign-in did not complete, in words for the page.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let clientID: String
    let scope: String
    private let discoveryURL: String
    private let verifier: TokenVerifier
    private let policy: TokenPolicy
    private let redemption: AuthorizationCodeRedemption
    private var endpoints: SignInEndpoints?

    /// `nil` when sign-in is not configured (no `console.client_id`, or no issuer).
    init?(settings: ConsoleSettings, identity: IdentitySettings, verifier: TokenVerifier?, policy: TokenPolicy) {
        guard let clientID = settings.clientID, let scope = settings.scope, let verifier,
            let issuer = identity.issuers.first(where: { $0.name == settings.issuer }) ?? identity.issuers.first,
            let discoveryURL = Self.discoveryURL(of: issuer)
        else { return nil }
        self.clientID = clientID
        self.scope = Set(scope.split(separator: " ").map(String.init)).union(["openid", "profile"]).sorted().joined(separator: " ")
        self.discoveryURL = discoveryURL
        self.verifier = verifier
        self.policy = policy
        self.redemption = AuthorizationCodeRedemption()
    }

    private static func discoveryURL(of issuer: IssuerSettings) -> String? {
        switch issuer.kind {
        case .entra:
            guard let authority = issuer.authority else { return nil }
            return EntraEndpoints.discoveryDocument(
                authority: authority, tenant: issuer.multiTenant ? "organizations" : issuer.tenants.first ?? "organizations")
        case .oidc:
            return issuer.discoveryURL
        }
    }

    /// Where to send the browser to sign in.
    func authorizationURL(for pending: PendingSignIn, challenge: String, redirectURI: String) async throws(Failure) -> String {
        let fields = [
            "client_id": clientID, "response_type": "code", "redirect_uri": redirectURI, "response_mode": "query", "scope": scope,
            "state": pending.state, "nonce": pending.nonce, "code_challenge": challenge, "code_challenge_method": "S256",
        ]
        let endpoint = try await resolved().authorization
        return "\(endpoint)\(endpoint.contains("?") ? "&" : "?")\(URLText.formEncoded(fields))"
    }

    /// Redeems the code, verifies what came back and returns who signed in.
    func complete(code: String, pending: PendingSignIn, redirectURI: String) async throws(Failure) -> Principal {
        let tokens: AuthorizationCodeRedemption.SignIn
        do {
            tokens = try await redemption.redeemSignIn(
                code: Secret(code), verifier: pending.verifier, redirectURI: redirectURI, clientID: clientID, scope: scope,
                tokenEndpoint: try await resolved().token)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "the issuer did not accept the sign-in: \(error)")
        }
        let principal: Principal
        do {
            principal = try await verifier.verify(tokens.accessToken.revealed, policy: policy).principal
        } catch {
            throw Failure(description: "the issuer's token is not one this daemon accepts: \(error)")
        }
        guard let idToken = tokens.idToken else { throw Failure(description: "the issuer returned no ID token for the openid scope") }
        let identity: VerifiedToken
        do {
            identity = try await verifier.verify(idToken.revealed, policy: .idToken(for: clientID))
        } catch {
            throw Failure(description: "the issuer's ID token does not verify: \(error)")
        }
        guard identity.claims["nonce"]?.stringValue == pending.nonce else {
            throw Failure(description: "the ID token's nonce is not this sign-in's: the response was replayed or mixed up")
        }
        guard identity.principal.objectID == principal.objectID, identity.principal.tenantID == principal.tenantID else {
            throw Failure(description: "the ID token and the access token name different users")
        }
        return principal
    }

    private func resolved() async throws(Failure) -> SignInEndpoints {
        if let endpoints { return endpoints }
        do {
            let found = try await SignInEndpoints.discover(discoveryURL)
            endpoints = found
            return found
        } catch {
            throw Failure(description: error.description)
        }
    }
}
