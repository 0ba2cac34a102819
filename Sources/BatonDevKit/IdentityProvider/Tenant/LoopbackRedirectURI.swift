import Foundation

/// A loopback redirect URI with its port left out: `http://127.0.0.1` or `http://localhost`,
/// then a path and query. Two loopback URIs that agree on these are the same callback of a
/// native app, whichever port the system gave it (RFC 8252 §7.3).
struct LoopbackRedirectURI: Equatable, Sendable {
    /// The hosts Entra treats as loopback for redirect URIs; `[::1]` is not among them.
    static let hosts: Set<String> = ["127.0.0.1", "localhost"]

    let host: String
    /// The percent-encoded path, `/` when empty.
    let path: String
    let query: String?

    /// `nil` unless `uri` is plain `http` to a loopback host, without user information or fragment.
    init?(_ uri: String) {
        guard let components = URLComponents(string: uri), components.scheme?.lowercased() == "http",
            let host = components.host?.lowercased(), Self.hosts.contains(host),
            components.percentEncodedUser == nil, components.percentEncodedPassword == nil, components.fragment == nil
        else { return nil }
        self.host = host
        self.path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.query = components.percentEncodedQuery
    }
}
