import BatonCore
import Foundation
internal import HTTPTypes
import Hummingbird

extension ConsoleRoutes {
    /// `GET /console/signin`: a new pending sign-in, sealed in a short-lived cookie of this
    /// browser (so it cannot be finished in someone else's, and costs the daemon nothing),
    /// and off to the issuer.
    func beginSignIn(_ request: Request) async throws -> Response {
        guard let signIn else {
            throw ConsoleRefusal.unavailable(
                "Sign-in is not configured: set console.client_id and console.scope (and an issuer under identity.issuers) in the daemon's configuration."
            )
        }
        let (pending, challenge, cookie) = sessions.begin(returnPath: Self.safeReturnPath(request.uri.queryParameters.get("return")))
        let location: String
        do {
            location = try await signIn.authorizationURL(for: pending, challenge: challenge, redirectURI: callbackURL(request))
        } catch {
            throw ConsoleRefusal.unavailable("The identity provider cannot be reached for sign-in: \(error)")
        }
        var response = Response(status: .seeOther, headers: [.location: location])
        response.setCookie(
            Cookie(
                name: Self.signInCookieName, value: cookie, maxAge: Int(ConsoleSessions.pendingLifetime), path: "/console/callback",
                secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// `GET /console/callback`: the issuer's answer. The state must be the one this browser
    /// started with; the code is redeemed with the PKCE verifier, the tokens verified, and a
    /// session opened that holds no token.
    func finishSignIn(_ request: Request) async throws -> Response {
        guard let signIn else { throw ConsoleRefusal.unavailable("Sign-in is not configured.") }
        let parameters = request.uri.queryParameters
        if let error = parameters.get("error") {
            let description = parameters.get("error_description").map { ": \($0)" } ?? ""
            return ConsoleMiddleware.page(
                .forbidden, title: "Sign-in failed", message: "The identity provider said \(error)\(description)",
                link: ("/console/signin", "Try again"))
        }
        guard let state = parameters.get("state"), let code = parameters.get("code") else {
            throw ConsoleRefusal.badRequest("This address is where the identity provider sends a sign-in back; it needs its code and state.")
        }
        guard let started = request.cookies[Self.signInCookieName]?.value, let pending = await sessions.pending(cookie: started, state: state)
        else {
            return ConsoleMiddleware.page(
                .badRequest, title: "Sign-in not recognised",
                message: "This sign-in was not started in this browser, was already used, or took longer than ten minutes.",
                link: ("/console/signin", "Sign in again"))
        }
        let principal: Principal
        do {
            principal = try await signIn.complete(code: code, pending: pending, redirectURI: callbackURL(request))
        } catch {
            return ConsoleMiddleware.page(
                .forbidden, title: "Sign-in failed", message: "\(error.description)", link: ("/console/signin", "Try again"))
        }
        await sessions.complete(pending)
        let session = await sessions.open(for: ConsoleViewer(principal))
        // A page that moves on by itself: the browser then follows a same-site navigation, which
        // carries the SameSite=Strict session cookie even when the issuer is another site.
        var response = ConsoleMiddleware.html(
            """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=\(pending.returnPath)">\
            <title>Signed in · Baton audit console</title><link rel="stylesheet" href="/console/assets/console.css"></head>\
            <body><main id="main"><p>Signed in as \(session.viewer.displayName). <a href="\(pending.returnPath)">Continue</a></p></main></body></html>
            """)
        response.setCookie(
            Cookie(
                name: Self.cookieName, value: session.id, maxAge: Int(settings.sessionLifetime.timeInterval), path: "/console", secure: secureCookies,
                httpOnly: true, sameSite: .strict))
        response.setCookie(
            Cookie(
                name: Self.signInCookieName, value: "", maxAge: 0, path: "/console/callback", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    /// `POST /console/signout`: ends the session (with its CSRF token) and clears the cookie.
    func signOut(_ request: Request) async throws -> Response {
        let (session, _) = try await postingSession(request)
        await sessions.close(id: session.id)
        var response = ConsoleMiddleware.redirect(to: "/console/signed-out")
        response.setCookie(
            Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/console", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// `<public URL>/console/callback`, or the address the browser used when no public URL is set.
    func callbackURL(_ request: Request) -> String {
        if let publicURL { return "\(publicURL)/console/callback" }
        return "http://\(request.head.authority ?? "127.0.0.1")/console/callback"
    }
}
