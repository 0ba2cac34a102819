import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A plain HTTP response as tests look at it.
public struct HTTPResult: Sendable {
    public let status: Int
    public let body: String
    public let contentType: String?
    public let headers: [String: String]

    /// The body parsed as a JSON object.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends a GET to `url` and returns status, body and content type.
public func httpGet(_ url: String) async throws -> HTTPResult {
    try await httpRequest(URLRequest(url: URL(string: url)!, timeoutInterval: 10))
}

/// POSTs a form (`application/x-www-form-urlencoded`) to `url`.
public func httpPostForm(_ url: String, _ fields: [String: String], headers: [String: String] = [:]) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
    request.httpMethod = "POST"
    request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    request.httpBody = Data(
        fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&").utf8
    )
    return try await httpRequest(request)
}

/// Sends `request` and returns status, body, content type and headers.
public func httpRequest(_ request: URLRequest) async throws -> HTTPResult {
    try await httpRequest(request, session: .shared)
}

/// Sends `request` without following a redirect: a 3xx answer comes back as it is, its
/// target in `headers["location"]` — to see what an authorization server sends a browser.
public func httpRequestNotFollowingRedirects(_ request: URLRequest) async throws -> HTTPResult {
    let session = URLSession(configuration: .ephemeral, delegate: RedirectRefusal(), delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    return try await httpRequest(request, session: session)
}

/// Answers every redirect with "do not follow". A session's delegate, not a task's: on Linux
/// only the session's is consulted for redirects.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

private func httpRequest(_ request: URLRequest, session: URLSession) async throws -> HTTPResult {
    try await withCheckedThrowingContinuation { continuation in
        session.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
                return
            }
            let http = response as! HTTPURLResponse
            continuation.resume(
                returning: HTTPResult(
                    status: http.statusCode,
                    body: String(decoding: data ?? Data(), as: UTF8.self),
                    contentType: http.value(forHTTPHeaderField: "Content-Type"),
                    headers: Dictionary(
                        http.allHeaderFields.compactMap { key, value in (key as? String).map { ($0.lowercased(), "\(value)") } }
                    ) { first, _ in first }
                )
            )
        }
        .resume()
    }
}

/// Polls `url` until it answers `status`, for a bounded time; returns the last result.
public func httpGet(_ url: String, until status: Int, timeout: Duration = .seconds(30)) async throws -> HTTPResult {
    let deadline = ContinuousClock.now + timeout
    var last = try await httpGet(url)
    while last.status != status, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        last = try await httpGet(url)
    }
    return last
}
