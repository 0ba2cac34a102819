import BatonCore

/// What a connector is handed for one tool call: the user's credentials for its audience,
/// and where to record each downstream request.
public struct ConnectorContext: Sendable {
    public var credentials: any DownstreamCredentials
    /// Called after every HTTP request with what was touched and how it went; a throw
    /// (the ledger cannot write) stops the tool call.
    public var record: @Sendable (DownstreamCall) async throws -> Void
    /// Called before every HTTP request leaves the process (retries included): the
    /// runtime's barrier, which makes the ledger entries for the call durable first. A
    /// throw stops the tool call before anything is sent.
    public var beforeRequest: @Sendable () async throws -> Void
    /// The chain's W3C trace id, sent downstream in `traceparent` (a new span per request)
    /// so the downstream's logs line up with the ledger's entries.
    public var traceID: String?

    public init(
        credentials: any DownstreamCredentials, record: @escaping @Sendable (DownstreamCall) async throws -> Void = { _ in },
        beforeRequest: @escaping @Sendable () async throws -> Void = {}, traceID: String? = nil
    ) {
        self.credentials = credentials
        self.record = record
        self.beforeRequest = beforeRequest
        self.traceID = traceID
    }
}

/// The user's token for one downstream, from the broker.
public protocol DownstreamCredentials: Sendable {
    /// The token to send (cached or freshly exchanged).
    func token() async throws -> Secret
    /// Drops the token the downstream refused and exchanges again.
    func renew() async throws -> Secret
}

/// One HTTP request to a downstream, as the ledger records it.
public struct DownstreamCall: Sendable, Equatable {
    public var connector: String
    /// `GET`, `PATCH`, …
    public var method: String
    /// The path with identifiers as placeholders, e.g. `/api/now/table/{table}/{sys_id}`.
    public var pathTemplate: String
    /// What was touched, e.g. `servicenow:incident/INC0012389`.
    public var resource: String
    /// The HTTP status, or `nil` when no answer came.
    public var status: Int?
    public var latency: Duration
    /// 1 for the first try; retries and the re-exchange after a 401 count up.
    public var attempt: Int

    public init(connector: String, method: String, pathTemplate: String, resource: String, status: Int?, latency: Duration, attempt: Int) {
        self.connector = connector
        self.method = method
        self.pathTemplate = pathTemplate
        self.resource = resource
        self.status = status
        self.latency = latency
        self.attempt = attempt
    }
}
