extension DevApplication {
    /// Whether the authorization endpoint may send a code for this app to `redirectURI`.
    ///
    /// A URI in ``redirectURIs`` matches character for character, as Entra compares them.
    /// A loopback URI (`http://127.0.0.1:{any port}/{path}` or `http://localhost:{any port}/{path}`)
    /// also matches when the app registers the same host, path and query with any port or
    /// none, or registers no redirect URI at all: a native app listens on whatever port the
    /// system gives it (RFC 8252 §7.3), and Entra ignores the port of loopback URIs likewise.
    ///
    /// ```swift
    /// // registered: http://127.0.0.1/agentcore/oauth2/callback
    /// app.accepts(redirectURI: "http://127.0.0.1:53682/agentcore/oauth2/callback")  // true
    /// app.accepts(redirectURI: "http://localhost:53682/agentcore/oauth2/callback")  // false: another host
    /// ```
    public func accepts(redirectURI: String) -> Bool {
        if redirectURIs.contains(redirectURI) { return true }
        guard let loopback = LoopbackRedirectURI(redirectURI) else { return false }
        return redirectURIs.isEmpty || redirectURIs.contains { LoopbackRedirectURI($0) == loopback }
    }
}
