import BatonAgents
import BatonCore
import BatonIdentity
import Foundation
internal import HTTPTypes
import Hummingbird

/// Where the IdP sends the user back after signing in for an AgentCore `USER_FEDERATION`
/// session (`/agentcore/oauth2/callback`): Baton redeems the code with the session's PKCE
/// verifier as the workload's agent, checks that the user who signed in is the one the
/// workload acts for, and either releases the token (recorded first) or, when the app named
/// a return URL, sends the browser there with `session_id` so that the app binds the session
/// with `CompleteResourceTokenAuth`.
struct AgentCoreCallbackRoutes {
    let system: AgentSystem
    let sessions: FederationSessions
    let redemption = AuthorizationCodeRedemption()

    func register(on router: Router<BatonRequestContext>) {
        router.get(RouterPath(AgentCoreIdentityRoutes.callbackPath)) { request, _ -> Response in
            await callback(request)
        }
    }

    private func callback(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        // Taken at once: a second callback for the same sign-in finds it used.
        guard let state = query["state"].map(String.init), let session = await sessions.claim(state: state) else {
            return Self.page(.badRequest, "This sign-in is unknown, has expired or has been used already. Ask the agent again.")
        }
        if let error = query["error"].map(String.init) {
            await sessions.update(session.uri, to: .failed(error))
            return Self.page(.ok, "The sign-in did not complete (\(error)): \(query["error_description"].map(String.init) ?? "")")
        }
        guard let code = query["code"].map(String.init), let runtime = try? await system.runtime() else {
            await sessions.update(session.uri, to: .failed("no code"))
            return Self.page(.badRequest, "The identity provider sent no authorization code.")
        }
        let token: ExchangedToken
        do {
            token = try await redemption.redeem(
                code: Secret(code), verifier: session.verifier, redirectURI: session.redirectURI, client: session.client,
                resource: session.resource, scopes: session.scopes)
        } catch {
            await sessions.update(session.uri, to: .failed(error.code))
            return Self.page(.badGateway, "The identity provider did not redeem the code (\(error.code)). Ask the agent again.")
        }
        // The token came straight from the token endpoint; its claims say who signed in.
        let claims = (try? CompactJWS(parsing: token.accessToken.revealed))?.claims ?? [:]
        guard claims["oid"]?.stringValue == session.user.objectID, claims["tid"]?.stringValue == session.user.tenantID else {
            await runtime.recordDenial(
                at: session.agent, user: session.user, target: session.provider, reason: "federation_user_mismatch", inHopAt: session.position)
            await sessions.update(session.uri, to: .failed("another user signed in"))
            return Self.page(.forbidden, "You signed in as someone else than the user the agent acts for. Nothing was granted.")
        }
        if let returnURL = session.returnURL {
            await sessions.update(session.uri, to: .awaitingCompletion(token))
            return Self.redirect(to: returnURL, sessionURI: session.uri, customState: session.customState)
        }
        do {
            try await AgentCoreIdentityRoutes.grant(token, for: session, runtime: runtime, sessions: sessions)
        } catch {
            await sessions.update(session.uri, to: .failed("not recorded"))
            return Self.page(.serviceUnavailable, "The grant could not be recorded, so it was not made. Ask the agent again.")
        }
        return Self.page(.ok, "You are signed in. You can close this window and go back to the agent.")
    }

    /// The app's return URL with `session_id` (and its `custom_state`), keeping its own query.
    static func redirect(to returnURL: String, sessionURI: String, customState: String?) -> Response {
        var components = URLComponents(string: returnURL)
        let existing = components?.queryItems ?? []
        components?.queryItems =
            existing + [URLQueryItem(name: "session_id", value: sessionURI)]
            + (customState.map { [URLQueryItem(name: "custom_state", value: $0)] } ?? [])
        var headers = HTTPFields()
        headers[.location] = components?.string ?? returnURL
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }

    /// A plain page: no script, nothing from outside, the message escaped.
    static func page(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baton sign-in</title></head>
            <body><main><h1>Baton</h1><p>\(HTMLText.escape(message))</p></main></body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
