import AsyncHTTPClient
import BatonConfig
import BatonCore
import Logging
import ServiceLifecycle
import Synchronization
import Tracing

/// OpenTelemetry tracing for this process, from `tracing:` and the `OTEL_*` variables:
/// spans recorded by ``ChainTracer``, sampled parent-first, propagated as W3C Trace
/// Context, and exported over OTLP/HTTP (protobuf) in batches by ``SpanExporter``.
///
/// The tracer is process-wide (swift-distributed-tracing's `InstrumentationSystem`), so
/// the first daemon of a process that turns tracing on sets it up; its settings stay until
/// the process ends — a reload does not change them.
enum ProcessTracer {
    private static let installed = Mutex(false)

    /// Sets up the tracer and returns the service that exports its spans — to run in the
    /// daemon's service group, stopping last so it flushes what the others finished — or
    /// `nil` when tracing is off or this process has a tracer already.
    static func start(_ tracing: TracingSettings, environment: [String: String], logger: Logger) throws(TracingSetupError) -> (any Service)? {
        guard tracing.enabled else { return nil }
        let settings = try TraceExportSettings(tracing, environment: environment)
        guard settings.enabled else { return nil }
        let first = installed.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else {
            logger.warning("tracing is set up already in this process; the first daemon's tracing settings stay")
            return nil
        }
        let queue = SpanQueue(capacity: settings.maxQueueSize)
        // An AsyncHTTPClient client takes the process's tracer when it is created and then
        // adds a span of its own to every request, its query (a user's words) among the
        // attributes. The shared one, which Baton's clients use, is created before the
        // tracer, so its requests are traced only by Baton's own spans.
        _ = HTTPClient.shared
        ChainTracing.install(ChainTracer(sampler: settings.sampler, queue: queue)) { $0.spanIdentity?.trace }
        logger.info(
            "tracing chains", metadata: ["endpoint": "\(TraceExportSettings.redacted(settings.endpoint))", "sampling": "\(settings.sampler)"])
        return SpanExporter(
            queue: queue, request: OTLPTraceRequest(resource: settings.resource, scopeName: "baton"),
            settings: settings, logger: logger)
    }
}

/// `tracing:` or an `OTEL_*` variable cannot be used: names which, and what it must be.
public struct TracingSetupError: Error, CustomStringConvertible {
    /// The variable or setting at fault (`OTEL_TRACES_SAMPLER`).
    public let variable: String
    public let reason: String

    public var description: String { "tracing: \(variable) \(reason)" }
}
