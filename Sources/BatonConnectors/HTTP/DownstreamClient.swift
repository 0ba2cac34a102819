import AsyncHTTPClient
import BatonCore
import BatonIdentity
import Foundation
import Logging
internal import NIOCore
internal import NIOHTTP1
import Tracing

/// The HTTP layer every connector shares: the user's bearer token on each request, a
/// timeout, bounded retries of idempotent requests on 5xx and 429 (honouring
/// `Retry-After`), one re-exchange after a 401, and a ledger record of every request.
///
/// It sends no cookies and keeps none: a downstream session cookie shared between users
/// would let one user's request ride another's session.
public struct DownstreamClient: Sendable {
    let connector: String
    let client: HTTPClient
    let timeout: Duration
    let retry: RetryPolicy
    let maximumBody: Int
    let logger: Logger

    public init(
        connector: String, client: HTTPClient = .shared, timeout: Duration = .seconds(30), retry: RetryPolicy = .init(),
        maximumBody: Int = 16 << 20, logger: Logger = Logger(label: "baton.connector")
    ) {
        self.connector = connector
        self.client = client
        self.timeout = timeout
        self.retry = retry
        self.maximumBody = maximumBody
        self.logger = logger
    }

    /// Sends `request` as the user and returns the final answer, whatever its status.
    public func send(_ request: DownstreamRequest, context: ConnectorContext) async throws(ConnectorError) -> DownstreamResponse {
        var token = try await credential { try await context.credentials.token() }
        var renewed = false
        var attempt = 0
        var backoff = retry.initialBackoff
        while true {
            attempt += 1
            do {
                try await context.beforeRequest()
            } catch {
                throw .auditFailed(reason: "\(error)")
            }
            let started = ContinuousClock.now
            let outcome = await HTTPClientSpan.around(
                method: request.method, url: request.url, template: request.pathTemplate, in: context.traceID, resend: attempt - 1
            ) { traceparent, span in
                let outcome = await execute(request, token: token, traceparent: traceparent)
                switch outcome {
                case .success(let response): HTTPClientSpan.record(status: response.status, on: span)
                case .failure: span.markFailed("transport")
                }
                return outcome
            }
            let status = (try? outcome.get())?.status
            do {
                try await context.record(
                    DownstreamCall(
                        connector: connector, method: request.method, pathTemplate: request.pathTemplate, resource: request.resource, status: status,
                        latency: ContinuousClock.now - started, attempt: attempt))
            } catch {
                throw .auditFailed(reason: "\(error)")
            }
            switch outcome {
            case .failure(let failure):
                guard request.isIdempotent, attempt < retry.attempts else { throw .unavailable(connector: connector, reason: failure.reason) }
                try await pause(backoff, reason: failure.reason, attempt: attempt)
                backoff *= 2
            case .success(let response) where response.status == 401 && !renewed && !Self.isClaimsChallenge(response):
                renewed = true
                logger.info("downstream refused the token; exchanging again once", metadata: ["connector": "\(connector)"])
                token = try await credential { try await context.credentials.renew() }
            case .success(let response) where (response.status == 429 || response.status >= 500) && request.isIdempotent && attempt < retry.attempts:
                let delay = response.header("Retry-After").flatMap(Int.init).map { Duration.seconds($0) } ?? backoff
                guard delay <= retry.maximumRetryDelay else { return response }
                try await pause(delay, reason: "status \(response.status)", attempt: attempt)
                backoff *= 2
            case .success(let response):
                return response
            }
        }
    }

    // MARK: - Private

    private func credential(_ fetch: () async throws -> Secret) async throws(ConnectorError) -> Secret {
        do {
            return try await fetch()
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw .credentials(connector: connector, reason: "\(error)")
        }
    }

    private func pause(_ delay: Duration, reason: String, attempt: Int) async throws(ConnectorError) {
        logger.info(
            "retrying downstream request",
            metadata: ["connector": "\(connector)", "attempt": "\(attempt)", "reason": "\(reason)", "delay": "\(delay)"])
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw .unavailable(connector: connector, reason: "cancelled while waiting to retry")
        }
    }

    private func execute(_ request: DownstreamRequest, token: Secret, traceparent: String?) async -> Result<DownstreamResponse, TransportFailure> {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        if !request.headers.contains(where: { $0.0.caseInsensitiveCompare("Accept") == .orderedSame }) {
            outgoing.headers.add(name: "Accept", value: "application/json")
        }
        if let traceparent { outgoing.headers.add(name: TraceContext.header, value: traceparent) }
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: body.serialized))
        } else if let raw = request.rawBody {
            outgoing.headers.add(name: "Content-Type", value: raw.contentType)
            outgoing.body = .bytes(ByteBuffer(bytes: raw.bytes))
        }
        do {
            let response = try await client.execute(outgoing, timeout: .init(timeout))
            let body = try await response.body.collect(upTo: maximumBody)
            return .success(
                DownstreamResponse(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(body.readableBytesView)))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .failure(TransportFailure(reason: "no answer within \(timeout)"))
        } catch {
            return .failure(TransportFailure(reason: "\(error)"))
        }
    }

    /// A 401 carrying `error="insufficient_claims"`: re-exchanging will not help; the user must.
    static func isClaimsChallenge(_ response: DownstreamResponse) -> Bool {
        response.header("WWW-Authenticate")?.contains("insufficient_claims") == true
    }
}

/// A request that got no HTTP answer.
struct TransportFailure: Error {
    let reason: String
}
