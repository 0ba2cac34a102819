import BatonConfig
import BatonTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import Tracing

@testable import BatonServer

@Suite("Exporting spans: batches to the OTLP/HTTP endpoint with its headers, retried while the backend is busy, flushed at shutdown")
struct SpanExporterTests {
    /// What the test's OTLP receiver saw, and the statuses it answers with, in turn (then 200).
    final class Receiver: Sendable {
        struct Received: Sendable {
            var contentType: String?
            var apiKey: String?
            var bytes: Int
        }
        let answers: Mutex<[Int]>
        let received = Mutex<[Received]>([])

        init(answers: [Int]) {
            self.answers = Mutex(answers)
        }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/v1/traces") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 1 << 24)
                self.received.withLock {
                    $0.append(
                        Received(
                            contentType: request.headers[.contentType], apiKey: request.headers[HTTPField.Name("api-key")!], bytes: body.readableBytes
                        ))
                }
                let status = self.answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
                guard (300..<400).contains(status) else { return Response(status: HTTPResponse.Status(code: status)) }
                return Response(status: HTTPResponse.Status(code: status), headers: [.location: "/v1/elsewhere"])
            }
            router.get("/v1/elsewhere") { _, _ -> Response in
                self.received.withLock { $0.append(Received(contentType: nil, apiKey: nil, bytes: -1)) }
                return Response(status: .ok)
            }
            router.post("/v1/elsewhere") { _, _ -> Response in
                self.received.withLock { $0.append(Received(contentType: nil, apiKey: nil, bytes: -1)) }
                return Response(status: .ok)
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
    }

    static func exporter(port: Int, queue: SpanQueue, logs: LogCapture, delay: Duration = .seconds(30)) throws -> SpanExporter {
        let settings = try TraceExportSettings(
            TracingSettings(enabled: true, endpoint: "http://127.0.0.1:\(port)/v1/traces", exportDelay: delay),
            environment: ["OTEL_EXPORTER_OTLP_HEADERS": "api-key=k3y-never-logged", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10"])
        return SpanExporter(
            queue: queue, request: OTLPTraceRequest(resource: settings.resource, scopeName: "baton"), settings: settings,
            logger: logs.logger("test"))
    }

    static func fill(_ queue: SpanQueue, _ count: Int) {
        let tracer = ChainTracer(sampler: SpanSampler(share: 1), queue: queue)
        for index in 0..<count { tracer.startSpan("execute_tool t\(index)", context: .topLevel, ofKind: .internal).end() }
    }

    @Test(
        "a queue of 25 goes as batches of 10, 10 and 5, as protobuf with the configured header; a 503 and a 429 are retried until the batch is taken")
    func batchesAndRetries() async throws {
        let receiver = Receiver(answers: [503, 429])
        try await receiver.application().test(.live) { client in
            let queue = SpanQueue(capacity: 100)
            Self.fill(queue, 25)
            let logs = LogCapture()
            try await Self.exporter(port: try #require(client.port), queue: queue, logs: logs).exportQueued(retrying: true, using: .shared)
            let received = receiver.received.withLock { $0 }
            #expect(received.count == 5)
            #expect(received.allSatisfy { $0.contentType == "application/x-protobuf" && $0.apiKey == "k3y-never-logged" && $0.bytes > 0 })
            #expect(queue.count == 0)
            #expect(!logs.lines.contains { $0.contains("not exported") })
        }
    }

    @Test("a refused batch (400) is dropped with a warning that counts it and never shows the header; a full queue's drops are reported too")
    func refusedAndDropped() async throws {
        let receiver = Receiver(answers: [400])
        try await receiver.application().test(.live) { client in
            let queue = SpanQueue(capacity: 5)
            Self.fill(queue, 8)
            let logs = LogCapture()
            try await Self.exporter(port: try #require(client.port), queue: queue, logs: logs).exportQueued(retrying: true, using: .shared)
            #expect(receiver.received.withLock { $0.count } == 1)
            #expect(logs.lines.contains { $0.contains("spans not exported") && $0.contains("answered 400") && $0.contains("\"spans\": 5") })
            #expect(logs.lines.contains { $0.contains("spans dropped") && $0.contains("\"spans\": 3") })
            #expect(!logs.lines.contains { $0.contains("k3y-never-logged") })
        }
    }

    @Test("a redirect is not followed (it would carry the API key elsewhere, or turn the POST into a GET): the batch is dropped with a warning")
    func redirectsNotFollowed() async throws {
        for status in [302, 307] {
            let receiver = Receiver(answers: [status])
            try await receiver.application().test(.live) { client in
                let queue = SpanQueue(capacity: 10)
                Self.fill(queue, 3)
                let logs = LogCapture()
                let exporter = try Self.exporter(port: try #require(client.port), queue: queue, logs: logs)
                let http = SpanExporter.makeClient()
                await exporter.exportQueued(retrying: true, using: http)
                try await http.shutdown()
                #expect(receiver.received.withLock { $0.map(\.bytes).allSatisfy { $0 > 0 } && $0.count == 1 }, "\(status)")
                #expect(logs.lines.contains { $0.contains("spans not exported") && $0.contains("answered \(status)") }, "\(status)")
            }
        }
    }

    @Test("spans still queued when the daemon stops are sent before the exporter returns")
    func flushAtShutdown() async throws {
        let receiver = Receiver(answers: [])
        try await receiver.application().test(.live) { client in
            let queue = SpanQueue(capacity: 100)
            let exporter = try Self.exporter(port: try #require(client.port), queue: queue, logs: LogCapture(), delay: .seconds(60))
            let group = ServiceGroup(configuration: .init(services: [exporter], logger: Logger(label: "test")))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Task.sleep(for: .milliseconds(300))
                Self.fill(queue, 7)
                #expect(receiver.received.withLock { $0.isEmpty })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(receiver.received.withLock { $0.count } == 1 && queue.count == 0)
        }
    }
}
