import Foundation

/// `tracing:` — OpenTelemetry traces of every chain, exported over OTLP/HTTP (protobuf) to
/// the team's collector or backend (Jaeger, Tempo, Datadog, …). Off by default.
///
/// ```yaml
/// tracing:
///   enabled: true
///   endpoint: http://otel-collector:4318/v1/traces
///   sampling: 0.25               # share of new chains traced; a caller's decision is followed
///   service_name: baton
///   record_request_text: false   # the user's words on invoke_agent spans
///   export_delay: 5s             # how long finished spans wait to be sent in one batch
/// ```
///
/// The standard `OTEL_EXPORTER_OTLP_*` and `OTEL_TRACES_SAMPLER*` environment variables
/// override these (headers such as an API key belong in `OTEL_EXPORTER_OTLP_HEADERS`).
public struct TracingSettings: Sendable, Equatable {
    /// Whether spans are recorded and exported. Trace ids are carried and stored in the
    /// ledger either way.
    public var enabled: Bool
    /// Where spans go: the full OTLP/HTTP traces URL, `…/v1/traces` included.
    public var endpoint: String
    /// The share of chains that start at Baton which are sampled, 0 to 1. A chain whose
    /// caller sent `traceparent` follows the caller's decision.
    public var sampling: Double
    /// `service.name` of the spans.
    public var serviceName: String
    /// Whether `invoke_agent` spans carry the user's request text (`gen_ai.input.messages`).
    /// Off: spans hold ids, names and codes, never what a user wrote.
    public var recordsRequestText: Bool
    /// How long finished spans wait before a batch is sent.
    public var exportDelay: Duration

    public init(
        enabled: Bool = false, endpoint: String = "http://localhost:4318/v1/traces", sampling: Double = 1, serviceName: String = "baton",
        recordsRequestText: Bool = false, exportDelay: Duration = .seconds(5)
    ) {
        self.enabled = enabled
        self.endpoint = endpoint
        self.sampling = sampling
        self.serviceName = serviceName
        self.recordsRequestText = recordsRequestText
        self.exportDelay = exportDelay
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = TracingSettings()
        enabled = try section.value("enabled", default: defaults.enabled)
        endpoint = try section.value("endpoint", default: defaults.endpoint)
        guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
            throw section.invalid("endpoint", "an http(s) URL of an OTLP/HTTP traces receiver, such as http://localhost:4318/v1/traces")
        }
        sampling = try section.value("sampling", default: defaults.sampling)
        guard (0...1).contains(sampling) else { throw section.invalid("sampling", "between 0 and 1 (the share of new chains traced)") }
        serviceName = try section.value("service_name", default: defaults.serviceName)
        if serviceName.trimmingCharacters(in: .whitespaces).isEmpty { throw section.invalid("service_name", "must not be empty") }
        recordsRequestText = try section.value("record_request_text", default: defaults.recordsRequestText)
        exportDelay = try section.value("export_delay", default: defaults.exportDelay)
        guard exportDelay >= .milliseconds(10), exportDelay <= .seconds(60) else { throw section.invalid("export_delay", "between 10ms and 60s") }
        try section.finish()
    }
}
