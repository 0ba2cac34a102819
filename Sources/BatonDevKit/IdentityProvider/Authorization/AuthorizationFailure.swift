/// Why the authorization endpoint neither showed the sign-in page nor issued a code, and
/// who is told. While the client or its redirect URI is in doubt the answer is a page for
/// the person at the browser — a redirect URI an attacker chose must receive nothing;
/// afterwards it goes back to the client at its registered redirect URI.
enum AuthorizationFailure: Error, CustomStringConvertible {
    /// Shown on an error page: unknown tenant or client, a redirect URI the app did not register.
    case page(EntraError)
    /// Sent to the client: `error`, `error_description` and `state` in the redirect URI's query.
    case redirect(EntraError, redirectURI: String, state: String?)

    var error: EntraError {
        switch self {
        case .page(let error), .redirect(let error, _, _): error
        }
    }

    var description: String {
        switch self {
        case .page(let error): "shown to the user: AADSTS\(error.code) \(error.error): \(error.message)"
        case .redirect(let error, let redirectURI, _): "sent to \(redirectURI): AADSTS\(error.code) \(error.error): \(error.message)"
        }
    }
}
