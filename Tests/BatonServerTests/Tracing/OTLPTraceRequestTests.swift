import BatonCore
import BatonTestSupport
import Foundation
import Testing
import Tracing

@testable import BatonServer

@Suite("OTLP export requests, decoded by OpenTelemetry's own protobuf definitions")
struct OTLPTraceRequestTests {
    static let decoder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/otlp_decode.py").path

    /// `spans` encoded by Baton, then parsed by opentelemetry-proto and printed back.
    static func decoded(_ spans: [FinishedSpan], resource: [(key: String, value: SpanAttribute)]) async throws -> [[String: Any]] {
        let directory = try TemporaryDirectory()
        let file = directory.file("request.bin")
        let request = OTLPTraceRequest(resource: resource, scopeName: "baton")
        try Data(request.encode(spans)).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await ChildProcess.run(try InteropPython.otlp(), [decoder, file], environment: [:])
        try #require(status == 0, "\(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "\(output)")
    }

    static func span(_ name: String, attributes: SpanAttributes = [:]) -> FinishedSpan {
        FinishedSpan(
            traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7", parentSpanID: nil, parentIsRemote: false,
            traceState: nil, name: name, kind: .internal, startNanoseconds: 1_700_000_000_000_000_000,
            endNanoseconds: 1_700_000_000_250_000_000, attributes: attributes, status: nil, events: [], links: [])
    }

    @Test("every attribute type arrives as the AnyValue member it is, zeros and empty strings included")
    func attributeTypes() async throws {
        let attributes: SpanAttributes = [
            "text": "itsm", "empty": "", "yes": true, "no": false, "zero": 0, "negative": .int64(-42), "big": .int64(Int64.max),
            "small": .int32(-7), "ratio": 0.25, "nothing": 0.0, "names": .stringArray(["a", ""]), "flags": .boolArray([true, false]),
            "numbers": .int64Array([1, -1]), "ratios": .doubleArray([1.5]), "convertible": .stringConvertible(Growing()),
        ]
        let decoded = try await Self.decoded([Self.span("execute_tool servicenow.query_incidents", attributes: attributes)], resource: [])
        let span = try #require(decoded.first)
        let got = try #require(span["attributes"] as? [String: [Any]])
        func member(_ key: String) -> String? { got[key]?.first as? String }
        #expect(got.count == attributes.count)
        #expect(member("text") == "string_value" && got["text"]?.last as? String == "itsm")
        #expect(member("empty") == "string_value" && got["empty"]?.last as? String == "")
        #expect(member("yes") == "bool_value" && got["yes"]?.last as? Bool == true)
        #expect(member("no") == "bool_value" && got["no"]?.last as? Bool == false)
        #expect(member("zero") == "int_value" && got["zero"]?.last as? Int == 0)
        #expect(got["negative"]?.last as? Int == -42)
        #expect(got["big"]?.last as? Int == Int.max)
        #expect(got["small"]?.last as? Int == -7)
        #expect(member("ratio") == "double_value" && got["ratio"]?.last as? Double == 0.25)
        #expect(member("nothing") == "double_value" && got["nothing"]?.last as? Double == 0)
        let names = try #require(got["names"]?.last as? [[Any]])
        #expect(member("names") == "array_value" && names.map { $0.last as? String } == ["a", ""])
        #expect((got["flags"]?.last as? [[Any]])?.map { $0.last as? Bool } == [true, false])
        #expect((got["numbers"]?.last as? [[Any]])?.map { $0.last as? Int } == [1, -1])
        #expect((got["ratios"]?.last as? [[Any]])?.map { $0.last as? Double } == [1.5])
        #expect(member("convertible") == "string_value" && (got["convertible"]?.last as? String)?.hasPrefix("x") == true)
    }

    /// A convertible whose text grows each time it is read: the encoder must size and write
    /// the same text.
    final class Growing: CustomStringConvertible, @unchecked Sendable {
        private var reads = 0
        var description: String {
            reads += 1
            return String(repeating: "x", count: reads * 200)
        }
    }

    @Test(
        "a span's ids, parent, tracestate, kind, times, status, events and links arrive as sent; flags say sampled and whether the parent is remote; the resource and scope travel once for the batch"
    )
    func spanFields() async throws {
        var child = Self.span("invoke_agent triage")
        child.spanID = "b7ad6b7169203331"
        child.parentSpanID = "00f067aa0ba902b7"
        child.parentIsRemote = true
        child.traceState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"
        child.kind = .client
        child.status = SpanStatus(code: .error, message: "timed_out")
        child.events = [SpanEvent(name: "exception", at: DefaultTracerClock.now, attributes: ["exception.type": "TimeoutError"])]
        child.links = [
            FinishedSpan.Link(traceID: "0af7651916cd43dd8448eb211c80319c", spanID: "b9c7c989f97918e1", traceState: nil, attributes: ["why": "retry"])
        ]
        var root = Self.span("POST /v1/agents/{id}/invoke")
        root.kind = .server
        // Long enough that its length prefix takes more than one byte.
        root.attributes["url.path"] = String(repeating: "x", count: 300)
        let decoded = try await Self.decoded([root, child], resource: [("service.name", "baton-test"), ("process.pid", 42)])
        try #require(decoded.count == 2)
        let (first, second) = (decoded[0], decoded[1])
        #expect(first["name"] as? String == "POST /v1/agents/{id}/invoke" && first["kind"] as? Int == 2)
        #expect((first["attributes"] as? [String: [Any]])?["url.path"]?.last as? String == String(repeating: "x", count: 300))
        #expect(first["parent_span_id"] as? String == "" && first["flags"] as? Int == 0x101)
        #expect(first["start"] as? Int == 1_700_000_000_000_000_000 && first["end"] as? Int == 1_700_000_000_250_000_000)
        #expect(second["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736" && second["span_id"] as? String == "b7ad6b7169203331")
        #expect(second["parent_span_id"] as? String == "00f067aa0ba902b7" && second["flags"] as? Int == 0x301)
        #expect(second["trace_state"] as? String == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7" && second["kind"] as? Int == 3)
        let status = try #require(second["status"] as? [String: Any])
        #expect(status["code"] as? Int == 2 && status["message"] as? String == "timed_out")
        let event = try #require((second["events"] as? [[String: Any]])?.first)
        #expect(event["name"] as? String == "exception")
        #expect((event["attributes"] as? [String: [Any]])?["exception.type"]?.last as? String == "TimeoutError")
        let link = try #require((second["links"] as? [[String: Any]])?.first)
        #expect(link["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c" && link["span_id"] as? String == "b9c7c989f97918e1")
        for span in decoded {
            let resource = try #require(span["resource"] as? [String: [Any]])
            #expect(resource["service.name"]?.last as? String == "baton-test" && resource["process.pid"]?.last as? Int == 42)
            #expect(span["scope"] as? String == "baton")
        }
    }

    @Test("a batch of 4,096 spans is one request the decoder reads whole")
    func fullBatch() async throws {
        let spans = (0..<4_096).map { index in
            var span = Self.span("execute_tool t\(index)", attributes: ["baton.hop": .int64(Int64(index))])
            span.spanID = String(format: "%016x", index + 1)
            return span
        }
        let decoded = try await Self.decoded(spans, resource: [("service.name", "baton")])
        #expect(decoded.count == 4_096)
        #expect(decoded.last?["name"] as? String == "execute_tool t4095")
        #expect(decoded.last?["span_id"] as? String == String(format: "%016x", 4_096))
    }
}
