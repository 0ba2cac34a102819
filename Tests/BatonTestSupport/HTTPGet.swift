import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A plain HTTP response as tests look at it.
public struct HTTPResult: Sendable {
    public let status: Int
    public let body: String
    public let contentType: String?
}

/// Sends a GET to `url` and returns status, body and content type.
public func httpGet(_ url: String) async throws -> HTTPResult {
    let request = URLRequest(url: URL(string: url)!, timeoutInterval: 10)
    return try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
                return
            }
            let http = response as! HTTPURLResponse
            continuation.resume(
                returning: HTTPResult(
                    status: http.statusCode,
                    body: String(decoding: data ?? Data(), as: UTF8.self),
                    contentType: http.value(forHTTPHeaderField: "Content-Type")
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
