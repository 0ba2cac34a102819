import BatonConfig
import Testing
import Tracing

@testable import BatonServer

@Suite("Tracing settings: tracing: from the file, the standard OTEL_* variables over it, a bad variable named")
struct TraceExportSettingsTests {
    static let file = TracingSettings(enabled: true, endpoint: "http://collector:4318/v1/traces", sampling: 0.5, serviceName: "baton-eu")

    @Test(
        "without variables the file decides: endpoint, sampling share following the parent, service name, export delay, 16,384 queued and 4,096 a batch"
    )
    func fileDefaults() throws {
        let settings = try TraceExportSettings(Self.file, environment: [:])
        #expect(settings.enabled && settings.endpoint == "http://collector:4318/v1/traces")
        #expect(settings.sampler == SpanSampler(root: .share(0.5), followsParent: true))
        #expect(settings.exportDelay == .seconds(5) && settings.maxQueueSize == 16_384 && settings.maxBatchSize == 4_096)
        #expect(settings.timeout == .seconds(10) && settings.headers.isEmpty)
        #expect(settings.resource.first?.key == "service.name" && settings.resource.first?.value == .string("baton-eu"))
    }

    @Test("the OTEL_* variables override the file, as the OpenTelemetry specification spells them")
    func variablesOverride() throws {
        let settings = try TraceExportSettings(
            Self.file,
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com:4318/", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=s%3Dcret, x-tenant = eu",
                "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
                "OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_BSP_MAX_QUEUE_SIZE": "1000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "100",
                "OTEL_SERVICE_NAME": "baton-prod", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=ignored",
            ])
        #expect(settings.endpoint == "https://otlp.example.com:4318/v1/traces")
        #expect(settings.headers.map(\.name) == ["api-key", "x-tenant"] && settings.headers.map(\.value) == ["s=cret", "eu"])
        #expect(settings.timeout == .milliseconds(2500) && settings.exportDelay == .milliseconds(200))
        #expect(settings.sampler == SpanSampler(root: .share(0.1), followsParent: false))
        #expect(settings.maxQueueSize == 1000 && settings.maxBatchSize == 100)
        let resource = Dictionary(settings.resource.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(resource["service.name"] == .string("baton-prod") && resource["deployment.environment"] == .string("prod"))
        #expect(settings.resource.filter { $0.key == "service.name" }.count == 1)

        let traces = try TraceExportSettings(
            Self.file,
            environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/otlp/v1/traces", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"])
        #expect(traces.endpoint == "http://tempo:4318/otlp/v1/traces")
        for (name, sampler) in [
            ("always_on", SpanSampler(root: .always, followsParent: false)), ("always_off", SpanSampler(root: .never, followsParent: false)),
            ("parentbased_always_off", SpanSampler(root: .never, followsParent: true)),
            ("parentbased_traceidratio", SpanSampler(root: .always, followsParent: true)),
        ] {
            #expect(try TraceExportSettings(Self.file, environment: ["OTEL_TRACES_SAMPLER": name]).sampler == sampler, "\(name)")
        }
        #expect(try !TraceExportSettings(Self.file, environment: ["OTEL_SDK_DISABLED": "true"]).enabled)
        // A key read from a file keeps its newline: trimmed, as the specification's values are.
        #expect(try TraceExportSettings(Self.file, environment: ["OTEL_EXPORTER_OTLP_HEADERS": "api-key=k3y\n"]).headers.first?.value == "k3y")
        // The specification's own queue size: the batch shrinks to fit it.
        let small = try TraceExportSettings(Self.file, environment: ["OTEL_BSP_MAX_QUEUE_SIZE": "2048"])
        #expect(small.maxQueueSize == 2048 && small.maxBatchSize == 2048)
        #expect(try !TraceExportSettings(Self.file, environment: ["OTEL_TRACES_EXPORTER": "none"]).enabled)
    }

    @Test("a variable that cannot be used is refused with its name and what it must be, never its value")
    func badVariables() {
        let cases: [(String, String, String)] = [
            ("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER must be one of always_on"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5", "OTEL_TRACES_SAMPLER_ARG must be between 0 and 1"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL must be 'http/protobuf', the one protocol Baton sends"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION must be 'none'"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "Bearer s3cr3t-token", "OTEL_EXPORTER_OTLP_HEADERS must be a comma-separated list of key=value pairs"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "-1", "OTEL_BSP_MAX_QUEUE_SIZE must be a whole number above 0"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "99999", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be a positive count no larger than the queue (16384)"),
            ("OTEL_SDK_DISABLED", "yes", "OTEL_SDK_DISABLED must be 'true' or 'false'"),
            ("OTEL_TRACES_EXPORTER", "zipkin", "OTEL_TRACES_EXPORTER must be 'otlp' or 'none'"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://user:pw@x/v1/traces", "the traces endpoint ftp://x/v1/traces is not an http(s) URL"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "apikey:pw@ingest.example.com", "the traces endpoint ingest.example.com/v1/traces is not an http(s) URL"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr3t%0Aevil: yes", "OTEL_EXPORTER_OTLP_HEADERS must be header names that are HTTP tokens"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api key=s3cr3t", "OTEL_EXPORTER_OTLP_TRACES_HEADERS must be header names that are HTTP tokens"),
        ]
        for (name, value, message) in cases {
            let environment = name == "OTEL_TRACES_SAMPLER_ARG" ? [name: value, "OTEL_TRACES_SAMPLER": "traceidratio"] : [name: value]
            #expect(throws: TracingSetupError.self, "\(name)") { try TraceExportSettings(Self.file, environment: environment) }
            do {
                _ = try TraceExportSettings(Self.file, environment: environment)
            } catch {
                #expect(error.description.hasPrefix("tracing: \(message)"), "\(error)")
                if name.hasSuffix("HEADERS") { #expect(!error.description.contains("s3cr3t")) }
                if name.hasSuffix("ENDPOINT") { #expect(!error.description.contains("pw")) }
            }
        }
    }
}
