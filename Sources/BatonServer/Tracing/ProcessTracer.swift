import AsyncHTTPClient
import BatonConfig
import Logging
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// OpenTelemetry tracing for this process, from `tracing:`: spans exported over OTLP/HTTP
/// (protobuf) in batches, sampled parent-first, propagated as W3C Trace Context.
///
/// The tracer is process-wide (swift-distributed-tracing's `InstrumentationSystem`), so
/// the first daemon of a process that turns tracing on sets it up; its settings stay until
/// the process ends — a reload does not change them.
enum ProcessTracer {
    private static let installed = Mutex(false)

    /// Sets up the tracer and returns the service that exports its spans — to run in the
    /// daemon's service group, stopping last so it flushes what the others finished — or
    /// `nil` when tracing is off or this process has a tracer already.
    static func start(_ settings: TracingSettings, logger: Logger) throws -> (any Service)? {
        guard settings.enabled else { return nil }
        guard !installed.withLock({ $0 }) else {
            logger.warning("tracing is set up already in this process; the first daemon's tracing settings stay")
            return nil
        }
        let backend: (factory: any Tracer, service: any Service)
        do {
            backend = try OTel.makeTracingBackend(configuration: configuration(settings, logger: logger))
        } catch {
            throw TracingSetupError(endpoint: settings.endpoint, reason: "\(error)")
        }
        installed.withLock { $0 = true }
        // An AsyncHTTPClient client takes the process's tracer when it is created and then
        // adds a span of its own to every request, its query (a user's words) among the
        // attributes. The shared one, which Baton's clients use, is created before the
        // tracer, so its requests are traced only by Baton's own client spans.
        _ = HTTPClient.shared
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("tracing chains", metadata: ["endpoint": "\(settings.endpoint)", "sampling": "\(settings.sampling)"])
        return backend.service
    }

    static func configuration(_ settings: TracingSettings, logger: Logger) -> OTel.Configuration {
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.propagators = [.traceContext]
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = settings.endpoint
        configuration.traces.batchSpanProcessor.scheduleDelay = settings.exportDelay
        // Room for a busy daemon's spans between exports: at 1,000 chains/s (ten spans each)
        // the conventions' defaults (2,048 queued, 512 a batch) drop spans.
        configuration.traces.batchSpanProcessor.maxQueueSize = 16_384
        configuration.traces.batchSpanProcessor.maxExportBatchSize = 4_096
        configuration.traces.sampler =
            settings.sampling >= 1 ? .parentBasedAlwaysOn : (.parentBasedTraceIDRatio(ratio: settings.sampling) ?? .parentBasedAlwaysOn)
        return configuration
    }
}

/// The traces exporter could not be built from `tracing:`.
public struct TracingSetupError: Error, CustomStringConvertible {
    public let endpoint: String
    public let reason: String

    public var description: String { "tracing: cannot export spans to \(endpoint): \(reason)" }
}
