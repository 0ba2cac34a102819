import BatonConfig
import Foundation
import Tracing

/// What the tracer and its exporter run with: `tracing:` from the configuration, with the
/// standard OpenTelemetry environment variables (`OTEL_EXPORTER_OTLP_*`, `OTEL_TRACES_*`,
/// `OTEL_BSP_*`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`)
/// taking precedence, as every OpenTelemetry SDK lets them.
struct TraceExportSettings {
    var enabled: Bool
    /// The full OTLP/HTTP traces URL.
    var endpoint: String
    /// Sent with every export (`OTEL_EXPORTER_OTLP_HEADERS`): an API key lives here, never in a log.
    var headers: [(name: String, value: String)]
    var timeout: Duration
    var sampler: SpanSampler
    var exportDelay: Duration
    var maxQueueSize: Int
    var maxBatchSize: Int
    var resource: [(key: String, value: SpanAttribute)]

    init(_ settings: TracingSettings, environment: [String: String]) throws(TracingSetupError) {
        let variables = OTelVariables(environment)
        let disabled = try variables.flag("OTEL_SDK_DISABLED")
        enabled = settings.enabled && !disabled
        if let exporter = variables["OTEL_TRACES_EXPORTER"] {
            switch exporter.lowercased() {
            case "otlp": break
            case "none": enabled = false
            default: throw variables.invalid("OTEL_TRACES_EXPORTER", "'otlp' or 'none'")
            }
        }
        if let traces = variables["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] {
            endpoint = traces
        } else if let base = variables["OTEL_EXPORTER_OTLP_ENDPOINT"] {
            endpoint = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            endpoint = settings.endpoint
        }
        guard let url = URL(string: endpoint), url.scheme == "http" || url.scheme == "https", url.host?.isEmpty == false else {
            throw TracingSetupError(variable: "the traces endpoint", reason: "\(Self.redacted(endpoint)) is not an http(s) URL")
        }
        if let proto = variables.signal("PROTOCOL"), proto.value != "http/protobuf" {
            throw variables.invalid(proto.name, "'http/protobuf', the one protocol Baton sends")
        }
        if let compression = variables.signal("COMPRESSION"), compression.value != "none" {
            throw variables.invalid(compression.name, "'none': Baton sends spans uncompressed")
        }
        headers = try variables.headers(variables.signal("HEADERS")?.name)
        timeout = .milliseconds(try variables.count(variables.signal("TIMEOUT")?.name, default: 10_000))
        sampler = try variables.sampler(default: SpanSampler(share: settings.sampling))
        exportDelay = .milliseconds(try variables.count("OTEL_BSP_SCHEDULE_DELAY", default: Int(settings.exportDelay / .milliseconds(1))))
        // Room for a busy daemon's spans between exports: at 1,000 chains/s (six spans each)
        // the conventions' defaults (2,048 queued, 512 a batch) drop spans.
        maxQueueSize = try variables.count("OTEL_BSP_MAX_QUEUE_SIZE", default: 16_384)
        maxBatchSize = try variables.count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default: min(4_096, maxQueueSize))
        guard maxBatchSize <= maxQueueSize else {
            throw variables.invalid("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "a positive count no larger than the queue (\(maxQueueSize))")
        }
        var resource = try variables.pairs("OTEL_RESOURCE_ATTRIBUTES")
        let serviceName = variables["OTEL_SERVICE_NAME"] ?? resource.first { $0.name == "service.name" }?.value ?? settings.serviceName
        resource.removeAll { $0.name == "service.name" }
        self.resource =
            [
                ("service.name", .string(serviceName)), ("telemetry.sdk.name", "baton"), ("telemetry.sdk.language", "swift"),
                ("process.pid", .int64(Int64(ProcessInfo.processInfo.processIdentifier))),
                ("host.name", .string(ProcessInfo.processInfo.hostName)),
            ] + resource.map { ($0.name, .string($0.value)) }
    }

    /// `url` without user info or query, for messages: whatever it is, nothing before an
    /// `@` of its authority, and nothing after a `?`, is shown.
    static func redacted(_ url: String) -> String {
        let withoutQuery = url.prefix { $0 != "?" && $0 != "#" }
        let schemeEnd = withoutQuery.firstIndex(of: ":").flatMap { colon in
            withoutQuery[colon...].hasPrefix("://") ? withoutQuery.index(colon, offsetBy: 3) : nil
        }
        let authorityStart = schemeEnd ?? withoutQuery.startIndex
        let authorityEnd = withoutQuery[authorityStart...].firstIndex(of: "/") ?? withoutQuery.endIndex
        guard let at = withoutQuery[authorityStart..<authorityEnd].lastIndex(of: "@") else { return String(withoutQuery) }
        return String(withoutQuery[..<authorityStart]) + String(withoutQuery[withoutQuery.index(after: at)...])
    }
}

/// The `OTEL_*` variables of the environment, read as the OpenTelemetry specification's
/// "Environment Variable Specification" spells their values; a bad one throws an error that
/// names it (and never repeats a header's value).
private struct OTelVariables {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    /// A set, non-empty variable, trimmed.
    subscript(name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// `OTEL_EXPORTER_OTLP_TRACES_<suffix>`, else `OTEL_EXPORTER_OTLP_<suffix>`.
    func signal(_ suffix: String) -> (name: String, value: String)? {
        for name in ["OTEL_EXPORTER_OTLP_TRACES_\(suffix)", "OTEL_EXPORTER_OTLP_\(suffix)"] {
            if let value = self[name] { return (name, value) }
        }
        return nil
    }

    func flag(_ name: String) throws(TracingSetupError) -> Bool {
        guard let value = self[name]?.lowercased() else { return false }
        guard value == "true" || value == "false" else { throw invalid(name, "'true' or 'false'") }
        return value == "true"
    }

    /// A whole number of at least 1 (milliseconds or a count); `fallback` when `name` is
    /// `nil` or unset.
    func count(_ name: String?, default fallback: Int) throws(TracingSetupError) -> Int {
        guard let name, let value = self[name] else { return fallback }
        guard let number = Int(value), number > 0 else { throw invalid(name, "a whole number above 0") }
        return number
    }

    /// `key1=value1,key2=value2`, each part percent-decoded (W3C Baggage's spelling); none
    /// when `name` is `nil` or unset.
    func pairs(_ name: String?) throws(TracingSetupError) -> [(name: String, value: String)] {
        guard let name else { return [] }
        var pairs: [(name: String, value: String)] = []
        for member in (self[name] ?? "").split(separator: ",") {
            let parts = member.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let key = decoded(parts[0]), !key.isEmpty, let value = decoded(parts[1]) else {
                throw invalid(name, "a comma-separated list of key=value pairs")
            }
            pairs.append((key, value))
        }
        return pairs
    }

    /// HTTP headers as `pairs`: each name an HTTP token, each value free of control
    /// characters — a key with a stray newline would otherwise be refused at the first
    /// export, in an error that repeats it.
    func headers(_ name: String?) throws(TracingSetupError) -> [(name: String, value: String)] {
        let headers = try pairs(name)
        let tokenCharacters = Set("!#$%&'*+-.^_`|~".utf8)
        for header in headers {
            let isToken = header.name.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || tokenCharacters.contains(byte)
            }
            let isPrintable = header.value.unicodeScalars.allSatisfy { $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7F) }
            guard let name, isToken, isPrintable else {
                throw invalid(name ?? "OTEL_EXPORTER_OTLP_HEADERS", "header names that are HTTP tokens and values without control characters")
            }
        }
        return headers
    }

    func sampler(default fallback: SpanSampler) throws(TracingSetupError) -> SpanSampler {
        guard let name = self["OTEL_TRACES_SAMPLER"] else { return fallback }
        func share() throws(TracingSetupError) -> SpanSampler.Root {
            guard let argument = self["OTEL_TRACES_SAMPLER_ARG"] else { return .always }
            guard let share = Double(argument), (0...1).contains(share) else { throw invalid("OTEL_TRACES_SAMPLER_ARG", "between 0 and 1") }
            return SpanSampler.Root(share: share)
        }
        switch name.lowercased() {
        case "always_on": return SpanSampler(root: .always, followsParent: false)
        case "always_off": return SpanSampler(root: .never, followsParent: false)
        case "traceidratio": return SpanSampler(root: try share(), followsParent: false)
        case "parentbased_always_on": return SpanSampler(root: .always, followsParent: true)
        case "parentbased_always_off": return SpanSampler(root: .never, followsParent: true)
        case "parentbased_traceidratio": return SpanSampler(root: try share(), followsParent: true)
        default:
            throw invalid(
                "OTEL_TRACES_SAMPLER",
                "one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
            )
        }
    }

    func invalid(_ name: String, _ expected: String) -> TracingSetupError {
        TracingSetupError(variable: name, reason: "must be \(expected)")
    }

    private func decoded(_ part: Substring) -> String? {
        part.trimmingCharacters(in: .whitespaces).removingPercentEncoding
    }
}
