/// `console:` — the audit console at `/console`: web pages for security analysts and
/// auditors, signed in with OpenID Connect at one of the configured issuers.
///
/// ```yaml
/// console:
///   enabled: true                # default: on when server.listen is a loopback address
///   client_id: 401849f6-…        # the app people sign in with (a public client)
///   scope: api://concierge/access_as_user
///   issuer: contoso              # default: the first issuer
///   session_lifetime: 8h
/// ```
public struct ConsoleSettings: Sendable, Equatable {
    /// `true` or `false` when set; `nil` serves the console only on a loopback listener,
    /// where nobody else can reach it.
    public var enabled: Bool?
    /// The app registration people sign in with: a public client (no secret) whose redirect
    /// URIs include `<public URL>/console/callback`. Unset: the console answers that
    /// sign-in is not configured.
    public var clientID: String?
    /// The scope asked for at sign-in; the access token must then be one the HTTP API
    /// accepts (`identity.audiences`). `openid` is always added.
    public var scope: String?
    /// The issuer (by `identity.issuers[].name`) people sign in at; default the first.
    public var issuer: String?
    /// How long a console session lasts after sign-in. Default 8 hours.
    public var sessionLifetime: Duration
    /// Where a trace id links to in the team's tracing backend, with `{trace_id}` in it
    /// (`https://jaeger.example.com/trace/{trace_id}`); unset, trace ids are shown unlinked.
    public var traceURL: String?

    public init(
        enabled: Bool? = nil, clientID: String? = nil, scope: String? = nil, issuer: String? = nil, sessionLifetime: Duration = .seconds(8 * 3_600),
        traceURL: String? = nil
    ) {
        self.traceURL = traceURL
        self.enabled = enabled
        self.clientID = clientID
        self.scope = scope
        self.issuer = issuer
        self.sessionLifetime = sessionLifetime
    }

    /// Whether `/console` is served by a daemon listening on `listen`.
    public func isServed(on listen: ListenAddress) -> Bool {
        enabled ?? listen.isLoopback
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = ConsoleSettings()
        enabled = try section.optionalValue("enabled")
        clientID = try section.optionalValue("client_id")
        if clientID?.isEmpty == true { throw section.invalid("client_id", "must not be empty; leave it out to turn sign-in off") }
        scope = try section.optionalValue("scope")
        if clientID != nil, (scope ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw section.invalid("scope", "is needed with client_id: the scope of the HTTP API's app, e.g. api://concierge/access_as_user")
        }
        issuer = try section.optionalValue("issuer")
        sessionLifetime = try section.value("session_lifetime", default: defaults.sessionLifetime)
        guard sessionLifetime >= .seconds(60), sessionLifetime <= .seconds(7 * 86_400) else {
            throw section.invalid("session_lifetime", "between 1m and 7d")
        }
        traceURL = try section.optionalValue("trace_url")
        if let traceURL, !(traceURL.hasPrefix("https://") || traceURL.hasPrefix("http://")) || !traceURL.contains("{trace_id}") {
            throw section.invalid("trace_url", "an http(s) URL with {trace_id} in it, such as https://jaeger.example.com/trace/{trace_id}")
        }
        try section.finish()
    }
}
