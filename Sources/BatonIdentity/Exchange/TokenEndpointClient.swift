import AsyncHTTPClient
import BatonCore
import Foundation
import Logging
internal import NIOCore
internal import NIOHTTP1
import Tracing

/// POSTs token requests and reads token responses, with timeouts and bounded retries.
///
/// Retries only what may succeed on a second try: network errors, timeouts, 5xx, and 429
/// (after its `Retry-After`, if that is within `maximumRetryDelay`). An OAuth error such
/// as `invalid_grant` is final and returned at once.
public struct TokenEndpointClient: Sendable {
    /// The shared retry policy, under its old name.
    public typealias RetryPolicy = BatonCore.RetryPolicy

    let client: HTTPClient
    let timeout: Duration
    let retry: RetryPolicy
    let logger: Logger

    public init(
        client: HTTPClient = .shared, timeout: Duration = .seconds(10), retry: RetryPolicy = .init(), logger: Logger = Logger(label: "baton.exchange")
    ) {
        self.client = client
        self.timeout = timeout
        self.retry = retry
        self.logger = logger
    }

    /// Sends `fields` to `endpoint` and returns the token response's JSON object.
    func post(_ fields: [String: String], to endpoint: String) async throws(ExchangeError) -> JSONObject {
        var attempt = 1
        var backoff = retry.initialBackoff
        while true {
            let outcome = await HTTPClientSpan.around(method: "POST", url: endpoint, in: nil, resend: attempt - 1) { traceparent, span in
                let outcome = await send(fields, to: endpoint, traceparent: traceparent)
                switch outcome {
                case .success: HTTPClientSpan.record(status: 200, on: span)
                case .failure(let error, _): span.markFailed(error.code)
                }
                return outcome
            }
            switch outcome {
            case .success(let body):
                return body
            case .failure(let error, let retryAfter) where attempt < retry.attempts && Self.isTransient(error):
                let delay = retryAfter.map { Duration.seconds($0) } ?? backoff
                guard delay <= retry.maximumRetryDelay else { throw error }
                logger.info("retrying token request", metadata: ["attempt": "\(attempt)", "error": "\(error.code)", "delay": "\(delay)"])
                try? await Task.sleep(for: delay)
                attempt += 1
                backoff *= 2
            case .failure(let error, _):
                throw error
            }
        }
    }

    private enum Outcome {
        case success(JSONObject)
        case failure(ExchangeError, retryAfter: Int?)
    }

    private func send(_ fields: [String: String], to endpoint: String, traceparent: String?) async -> Outcome {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if let traceparent { request.headers.add(name: TraceContext.header, value: traceparent) }
        request.body = .bytes(ByteBuffer(string: Self.formEncode(fields)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .init(timeout))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            return .failure(.unavailable(reason: "\(endpoint): \(Self.describe(error))"), retryAfter: nil)
        }
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
        let object = try? JSONDecoder().decode(JSONObject.self, from: Data(body.readableBytesView))
        if response.status == .ok {
            guard let object, object["access_token"]?.stringValue != nil else {
                return .failure(.unexpectedResponse(reason: "HTTP 200 without an access_token"), retryAfter: nil)
            }
            return .success(object)
        }
        if response.status == .tooManyRequests { return .failure(.throttled(retryAfter: retryAfter), retryAfter: retryAfter) }
        if let object, let error = object["error"]?.stringValue {
            let mapped = ExchangeError.from(
                error: error,
                codes: object["error_codes"]?.arrayValue?.compactMap { $0.integerValue.map(Int.init) } ?? [],
                description: object["error_description"]?.stringValue,
                suberror: object["suberror"]?.stringValue,
                claims: object["claims"]?.stringValue
            )
            return .failure(response.status.code >= 500 ? .unavailable(reason: mapped.description) : mapped, retryAfter: retryAfter)
        }
        if response.status.code >= 500 { return .failure(.unavailable(reason: "HTTP \(response.status.code)"), retryAfter: retryAfter) }
        return .failure(.unexpectedResponse(reason: "HTTP \(response.status.code) without an OAuth error body"), retryAfter: nil)
    }

    private static func isTransient(_ error: ExchangeError) -> Bool {
        switch error {
        case .unavailable, .throttled: true
        default: false
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout { return "timed out" }
        return String(describing: error)
    }

    static func formEncode(_ fields: [String: String]) -> String {
        URLText.formEncoded(fields)
    }
}

extension TokenEndpointClient {
    /// The token and its lifetime from a token response.
    static func token(from body: JSONObject, now: Date) throws(ExchangeError) -> ExchangedToken {
        guard let accessToken = body["access_token"]?.stringValue else { throw .unexpectedResponse(reason: "no access_token") }
        let expiresIn = body["expires_in"]?.integerValue ?? body["expires_in"]?.stringValue.flatMap { Int64($0) } ?? 600
        return ExchangedToken(
            accessToken: .init(accessToken),
            expiresAt: now.addingTimeInterval(TimeInterval(expiresIn)),
            grantedScopes: body["scope"]?.stringValue ?? "",
            refreshToken: body["refresh_token"]?.stringValue.map { Secret($0) }
        )
    }
}
