import AsyncHTTPClient
import Logging
internal import NIOCore
import ServiceLifecycle

/// Sends the queued spans to the OTLP/HTTP endpoint: a batch every `exportDelay`, or
/// sooner when a full batch is waiting, and everything left when the daemon stops — it
/// runs first in the service group, so it stops last and flushes what the others finished.
///
/// A backend that is busy or restarting (429, 502, 503, 504, or no connection) gets the
/// batch again after 1 s and 2 s; one that refuses it loses it, with a warning that gives
/// the count, never a span's contents or the headers.
struct SpanExporter: Service {
    let queue: SpanQueue
    let request: OTLPTraceRequest
    let settings: TraceExportSettings
    let logger: Logger

    /// How often the queue is looked at between exports: often enough that a busy
    /// daemon's full batches leave well before the queue fills.
    private var tick: Duration { min(settings.exportDelay, .milliseconds(100)) }

    /// The exporter's own client, for as long as it runs. It follows no redirect, which
    /// would carry the backend's API key to another host or turn the POST into a GET whose
    /// 200 loses the batch, and it traces nothing: its requests would be spans to export.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    func run() async {
        let client = Self.makeClient()
        var due = ContinuousClock.now + settings.exportDelay
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            guard queue.count >= settings.maxBatchSize || ContinuousClock.now >= due else { continue }
            await exportQueued(retrying: true, using: client)
            due = .now + settings.exportDelay
        }
        await exportQueued(retrying: false, using: client)
        try? await client.shutdown()
    }

    /// Sends what is queued, a batch at a time, while full batches keep coming.
    func exportQueued(retrying: Bool, using client: HTTPClient) async {
        if case let dropped = queue.takeDropped(), dropped > 0 {
            logger.warning(
                "traces: spans dropped, the export queue was full",
                metadata: ["spans": "\(dropped)", "queue": "\(queue.capacity)", "endpoint": "\(TraceExportSettings.redacted(settings.endpoint))"])
        }
        while true {
            let batch = queue.take(atMost: settings.maxBatchSize)
            guard !batch.isEmpty else { return }
            await send(batch, retrying: retrying, using: client)
            guard batch.count == settings.maxBatchSize else { return }
        }
    }

    private func send(_ batch: [FinishedSpan], retrying: Bool, using client: HTTPClient) async {
        guard let problem = await deliver(request.encode(batch), attempts: retrying ? 3 : 1, using: client) else { return }
        logger.warning(
            "traces: spans not exported",
            metadata: ["spans": "\(batch.count)", "endpoint": "\(TraceExportSettings.redacted(settings.endpoint))", "problem": "\(problem)"])
    }

    /// Posts `body` until it is delivered or refused for good; what went wrong, or `nil`.
    private func deliver(_ body: [UInt8], attempts: Int, using client: HTTPClient) async -> String? {
        var problem = "not sent"
        for attempt in 0..<attempts {
            if attempt > 0, (try? await Task.sleep(for: .seconds(attempt))) == nil { break }
            switch await post(body, using: client) {
            case .delivered:
                return nil
            case .refused(let status) where ![429, 502, 503, 504].contains(status):
                return "answered \(status)"
            case .refused(let status):
                problem = "answered \(status)"
            case .unreachable(let reason):
                problem = reason
            }
        }
        return problem
    }

    private enum Outcome {
        case delivered
        case refused(status: Int)
        case unreachable(String)
    }

    private func post(_ body: [UInt8], using client: HTTPClient) async -> Outcome {
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        for header in settings.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeout / .milliseconds(1))))
            _ = try? await response.body.collect(upTo: 1 << 16)
            return (200..<300).contains(response.status.code) ? .delivered : .refused(status: Int(response.status.code))
        } catch let error as HTTPClientError {
            // Its short description names the failure; its description can repeat a header.
            return .unreachable(error.shortDescription)
        } catch {
            return .unreachable(String(describing: type(of: error)))
        }
    }
}
