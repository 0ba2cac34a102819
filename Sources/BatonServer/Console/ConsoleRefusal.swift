/// Why a console request is not answered with its page; ``ConsoleMiddleware`` renders each
/// as a page (or, for sign-in, a redirect) with the right status.
enum ConsoleRefusal: Error {
    /// No valid session: a GET goes to sign-in and comes back to `returnPath`.
    case signInNeeded(returnPath: String)
    /// Signed in, but not allowed (a POST without its CSRF token, an auditor-only action).
    case forbidden(String)
    /// Nothing here the viewer may see: unknown and someone else's look the same.
    case notFound(String)
    /// The request itself is wrong (a malformed date, an unknown kind).
    case badRequest(String)
    /// The console cannot work as configured (no sign-in client, the ledger not open).
    case unavailable(String)
    /// The session already holds as many of something as it may (live views).
    case tooMany(String)
}
