/// What a client span records of an absolute `http(s)` URL, split by hand: every
/// downstream request of a traced chain is split, and Foundation's `URLComponents` cost
/// more than the rest of the span.
///
/// The user info, query and fragment never leave this type: they can carry a credential
/// or a user's words.
struct URLParts: Equatable {
    /// `scheme://host[:port]/path`: the URL without user info, query or fragment.
    let withoutQuery: String
    /// The host, without brackets for an IPv6 literal.
    let host: String
    /// The port the URL names, else the scheme's default (80, 443); `nil` for another scheme.
    let port: Int?

    init?(_ url: String) {
        // Not `range(of:)`: that is Foundation's, and searches through CFString.
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon].lowercased()
        // RFC 3986: a letter, then letters, digits, "+", "-" or "." — so a relative path
        // holding "://" in its query is no URL here.
        guard let first = scheme.utf8.first, (0x61...0x7A).contains(first),
            scheme.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { return nil }
        let afterScheme = url[url.index(colon, offsetBy: 3)...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let rest = afterScheme[authorityEnd...]
        let path = rest.prefix { $0 != "?" && $0 != "#" }

        var host = authority
        var port: Int?
        let closing = authority.lastIndex(of: "]")
        if let colon = authority.lastIndex(of: ":"), closing.map({ colon > $0 }) ?? true {
            host = authority[..<colon]
            let digits = authority[authority.index(after: colon)...]
            if !digits.isEmpty {
                guard let number = Int(digits), (0...65_535).contains(number) else { return nil }
                port = number
            }
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !scheme.isEmpty else { return nil }

        self.withoutQuery = "\(scheme)://\(authority)\(path)"
        self.host = String(host)
        self.port = port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : nil)
    }
}
