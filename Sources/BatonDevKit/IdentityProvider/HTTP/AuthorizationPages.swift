import BatonCore
import Foundation
import HTTPTypes
import Hummingbird

/// The HTML the authorization endpoint answers: the sign-in form, and the error page for a
/// request that cannot go back to its client. No script and nothing loaded from elsewhere;
/// every value taken from a request or the tenant passes through `HTMLText.escape`.
enum AuthorizationPages {
    /// The sign-in form, posting the request's parameters back to `action` (the authorize
    /// path) with the user's credentials; after a wrong password it says so, not what was wrong.
    static func signIn(_ pending: PendingAuthorization, action: String, username: String?, failed: Bool) -> Response {
        let hidden = pending.parameters.map { #"<input type="hidden" name="\#(HTMLText.escape($0.name))" value="\#(HTMLText.escape($0.value))">"# }
        let scopes = pending.scopes.map { "\(pending.requested.resourceIdentifier)/\($0)" }.joined(separator: " ")
        let prefilled = username ?? ""
        let main = """
            <h1>Sign in</h1>
            <p><strong>\(HTMLText.escape(pending.client.name))</strong> asks to act for you at <strong>\(HTMLText.escape(pending.resource.name))</strong>: \(HTMLText.escape(scopes))</p>
            \(failed ? #"<p class="alert" role="alert">Your account or password is incorrect.</p>"# : "")
            <form method="post" action="\(HTMLText.escape(action))">
            \(hidden.joined(separator: "\n"))
            <label for="username">Username</label>
            <input id="username" name="username" type="text" autocomplete="username" required value="\(HTMLText.escape(prefilled))"\(prefilled.isEmpty ? " autofocus" : "")>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required\(prefilled.isEmpty ? "" : " autofocus")>
            <button type="submit">Sign in</button>
            </form>
            <p class="note">Baton's dev identity provider, for development only. It requires PKCE: every authorization request must carry a code_challenge.</p>
            """
        return page(.ok, title: "Sign in", main: main, redirectURI: pending.redirectURI)
    }

    /// Entra's "trouble signing you in" page: the AADSTS code and message, never a redirect.
    static func error(_ error: EntraError) -> Response {
        let main = """
            <h1>Sorry, but we’re having trouble signing you in.</h1>
            <p class="alert" role="alert">AADSTS\(error.code): \(HTMLText.escape(error.message))</p>
            <dl><dt>Request Id</dt><dd>\(UUID().uuidString.lowercased())</dd><dt>Timestamp</dt><dd>\(EntraError.timestamp(Date()))</dd></dl>
            """
        return page(error.status, title: "Sign-in error", main: main, redirectURI: nil)
    }

    private static func page(_ status: HTTPResponse.Status, title: String, main: String, redirectURI: String?) -> Response {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title)) · Baton dev identity provider</title>
            <style>\(stylesheet)</style>
            </head>
            <body><main>
            \(main)
            </main></body>
            </html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = contentSecurityPolicy(redirectURI: redirectURI)
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Nothing may load, run or frame the page. A form may post to the page itself — and to the
    /// origin of `redirectURI`, because browsers hold the redirect that follows the post to
    /// `form-action` too, and that redirect is how the code reaches the client.
    static func contentSecurityPolicy(redirectURI: String?) -> String {
        let formAction = redirectURI.flatMap(origin(of:)).map { "'self' \($0)" } ?? "'none'"
        return "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action \(formAction); frame-ancestors 'none'; base-uri 'none'"
    }

    /// `scheme://host[:port]` of a validated redirect URI, when it holds nothing a policy could misread.
    private static func origin(of uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            return nil
        }
        let text = "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
        let allowed = { (character: Character) in character.isASCII && (character.isLetter || character.isNumber || ":/.-".contains(character)) }
        return text.allSatisfy(allowed) ? text.lowercased() : nil
    }

    private static let stylesheet = """
        body{font:16px/1.5 system-ui,sans-serif;background:#f2f2f2;color:#1b1b1b;margin:0}
        main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
        h1{font-size:1.5rem;font-weight:600;margin-top:0}
        label{display:block;margin-top:1rem;font-weight:600}
        input{display:block;box-sizing:border-box;width:100%;padding:.5rem;margin-top:.25rem;font:inherit}
        button{margin-top:1.5rem;padding:.5rem 2rem;font:inherit;background:#0067b8;color:#fff;border:0;cursor:pointer}
        .alert{color:#a80000}
        .note{margin-top:2rem;font-size:.8rem;color:#666}
        dt{font-weight:600}
        """
}
