/// A scripted misbehaviour of the instance.
public enum ServiceNowFault: Sendable, Equatable {
    /// 429 `Rate limit exceeded` with `Retry-After` and the `X-RateLimit-*` headers.
    case rateLimited(retryAfter: Int)
    /// A platform fault with this status (500, 502, 503).
    case serverError(status: Int)
    /// 202 with no body, as when a session's transactions queue up.
    case acceptedWithoutBody
    /// 200 with the HTML "Instance Hibernating" page.
    case hibernating
}

/// What the instance has seen.
public struct ServiceNowStatistics: Sendable, Equatable {
    public var requests = 0
    /// Requests that sent a ServiceNow session cookie back (a connector must never).
    public var cookieReplays = 0
    /// The W3C trace ids of the latest requests that carried a `traceparent` (at most
    /// ``traceLimit``) once ``ServiceNowEmulator/recordTraces()`` was called, so a test can
    /// match what the instance saw with a ledger.
    public var traceIDs: [String] = []

    public static let traceLimit = 100_000
}

/// The faults waiting to be served, and what the instance has seen.
actor ServiceNowFaults {
    private var queue: [ServiceNowFault] = []
    private(set) var statistics = ServiceNowStatistics()
    private var recordsTraces = false

    func recordTraces() {
        recordsTraces = true
    }

    func inject(_ fault: ServiceNowFault, count: Int) {
        queue += Array(repeating: fault, count: count)
    }

    /// Counts the request and hands back the next fault to serve, if any.
    func next(sentCookie: Bool, traceID: String?) -> ServiceNowFault? {
        statistics.requests += 1
        if sentCookie { statistics.cookieReplays += 1 }
        if recordsTraces, let traceID {
            if statistics.traceIDs.count >= ServiceNowStatistics.traceLimit { statistics.traceIDs.removeFirst(ServiceNowStatistics.traceLimit / 2) }
            statistics.traceIDs.append(traceID)
        }
        return queue.isEmpty ? nil : queue.removeFirst()
    }
}
