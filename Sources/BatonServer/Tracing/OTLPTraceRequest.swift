import BatonCore
import Tracing

/// An OTLP `ExportTraceServiceRequest` (opentelemetry-proto, `collector/trace/v1`) in the
/// protobuf binary encoding that OTLP/HTTP sends with `Content-Type: application/x-protobuf`:
/// one resource (this daemon), one instrumentation scope (Baton), the batch's spans.
///
/// Field numbers are those of `opentelemetry/proto/trace/v1/trace.proto` and
/// `common/v1/common.proto`; the tests decode what this writes with OpenTelemetry's own
/// generated definitions.
struct OTLPTraceRequest {
    /// The resource's attributes: `service.name` and the rest of `OTEL_RESOURCE_ATTRIBUTES`.
    let resource: [(key: String, value: SpanAttribute)]
    let scopeName: String

    /// The encoded request carrying `spans`.
    func encode(_ spans: [FinishedSpan]) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 512 + spans.count * 600)
        writer.message(1) { resourceSpans in
            resourceSpans.message(1) { resource in
                for (key, value) in self.resource { resource.keyValue(1, key, value) }
            }
            resourceSpans.message(2) { scopeSpans in
                scopeSpans.message(1) { $0.string(1, scopeName) }
                for span in spans { scopeSpans.message(2) { $0.span(span) } }
            }
        }
        return writer.bytes
    }
}

extension ProtobufWriter {
    /// `trace.v1.Span`.
    fileprivate mutating func span(_ span: FinishedSpan) {
        hexBytes(1, span.traceID)
        hexBytes(2, span.spanID)
        string(3, span.traceState ?? "")
        if let parent = span.parentSpanID { hexBytes(4, parent) }
        string(5, span.name)
        varint(6, Self.kind(span.kind))
        fixed64(7, span.startNanoseconds)
        fixed64(8, span.endNanoseconds)
        span.attributes.forEach { key, value in keyValue(9, key, value) }
        for event in span.events {
            message(11) { encoded in
                encoded.fixed64(1, event.nanosecondsSinceEpoch)
                encoded.string(2, event.name)
                event.attributes.forEach { key, value in encoded.keyValue(3, key, value) }
            }
        }
        for link in span.links {
            message(13) { encoded in
                encoded.hexBytes(1, link.traceID)
                encoded.hexBytes(2, link.spanID)
                encoded.string(3, link.traceState ?? "")
                link.attributes.forEach { key, value in encoded.keyValue(4, key, value) }
            }
        }
        if let status = span.status, status.code == .error || status.code == .ok {
            message(15) { encoded in
                encoded.string(2, status.message ?? "")
                encoded.varint(3, status.code == .error ? 2 : 1)
            }
        }
        // Trace flags (sampled), and whether the parent is known remote (SpanFlags).
        fixed32(16, Self.sampledAndRemoteKnown | (span.parentIsRemote ? Self.remote : 0))
    }

    /// `common.v1.KeyValue` in field `field`. A scalar's sizes are known before it is
    /// written, so its lengths go first and nothing is moved; an array is written in place.
    fileprivate mutating func keyValue(_ field: UInt32, _ key: String, _ attribute: SpanAttribute) {
        guard Self.isEncodable(attribute) else { return }
        // A convertible's text is read once: sized and written from the same string.
        let value: SpanAttribute = if case .stringConvertible(let convertible) = attribute { .string(convertible.description) } else { attribute }
        guard let valueSize = Self.scalarSize(value) else {
            message(field) { pair in
                pair.string(1, key, always: true)
                pair.message(2) { $0.anyValue(value) }
            }
            return
        }
        let keySize = key.utf8.count
        let pairSize = 1 + Self.varintSize(UInt64(keySize)) + keySize + 1 + Self.varintSize(UInt64(valueSize)) + valueSize
        lengthDelimited(field, size: pairSize)
        string(1, key, always: true)
        lengthDelimited(2, size: valueSize)
        anyValue(value)
    }

    /// The encoded size of a scalar `AnyValue`; `nil` for an array.
    private static func scalarSize(_ value: SpanAttribute) -> Int? {
        switch value {
        case .string(let text): let count = text.utf8.count; return 1 + varintSize(UInt64(count)) + count
        case .bool: return 2
        case .int32(let number): return 1 + varintSize(UInt64(bitPattern: Int64(number)))
        case .int64(let number): return 1 + varintSize(UInt64(bitPattern: number))
        case .double: return 9
        default: return nil
        }
    }

    /// `common.v1.AnyValue`: one member of its `oneof`, present even when zero or empty.
    private mutating func anyValue(_ value: SpanAttribute) {
        switch value {
        case .string(let text): string(1, text, always: true)
        case .bool(let flag): presentVarint(2, flag ? 1 : 0)
        case .int32(let number): presentVarint(3, UInt64(bitPattern: Int64(number)))
        case .int64(let number): presentVarint(3, UInt64(bitPattern: number))
        case .double(let number): fixed64(4, number.bitPattern, always: true)
        case .stringConvertible(let convertible): string(1, convertible.description, always: true)
        case .stringArray(let texts): array(texts.map(SpanAttribute.string))
        case .boolArray(let flags): array(flags.map(SpanAttribute.bool))
        case .int32Array(let numbers): array(numbers.map(SpanAttribute.int32))
        case .int64Array(let numbers): array(numbers.map(SpanAttribute.int64))
        case .doubleArray(let numbers): array(numbers.map(SpanAttribute.double))
        case .stringConvertibleArray(let convertibles): array(convertibles.map { .string($0.description) })
        default: string(1, "", always: true)
        }
    }

    private mutating func array(_ values: [SpanAttribute]) {
        message(5) { array in
            for value in values { array.message(1) { $0.anyValue(value) } }
        }
    }

    /// The bytes an id's hex digits spell, written straight in (ids are lower-case hex by
    /// construction; anything else is written as no bytes, as a missing id).
    private mutating func hexBytes(_ field: UInt32, _ hex: String) {
        let digits = hex.utf8
        guard !digits.isEmpty, digits.count % 2 == 0, digits.allSatisfy(Hex.isDigit) else { return }
        lengthDelimited(field, size: digits.count / 2)
        var high: UInt8?
        for digit in digits {
            let value = digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10
            if let first = high {
                append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
    }

    private static func isEncodable(_ value: SpanAttribute) -> Bool {
        switch value {
        case .string, .bool, .int32, .int64, .double, .stringConvertible, .stringArray, .boolArray, .int32Array, .int64Array, .doubleArray,
            .stringConvertibleArray:
            true
        default: false
        }
    }

    private static func kind(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    /// Trace flag `sampled` (every exported span is) and SpanFlags' `HAS_IS_REMOTE`.
    private static let sampledAndRemoteKnown: UInt32 = 0x01 | 0x100
    /// SpanFlags' `IS_REMOTE`.
    private static let remote: UInt32 = 0x200
}
