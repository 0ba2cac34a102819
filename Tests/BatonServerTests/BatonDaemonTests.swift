import BatonConfig
import BatonStorage
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import BatonServer

@Suite("The daemon's HTTP surface")
struct BatonDaemonTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func daemon() throws -> BatonDaemon {
        var configuration = BatonConfiguration()
        configuration.server.listen.port = 0
        configuration.storage.dataDirectory = directory.file("data")
        return try BatonDaemon(configuration: configuration, logger: Logger(label: "test"))
    }

    /// Polls `/readyz` until the stores are open; bounded so a broken daemon fails the test instead of hanging.
    private func waitUntilReady(_ client: some TestClientProtocol) async throws -> TestResponse {
        var response = try await client.execute(uri: "/readyz", method: .get)
        for _ in 0..<200 where response.status != .ok {
            try await Task.sleep(for: .milliseconds(25))
            response = try await client.execute(uri: "/readyz", method: .get)
        }
        return response
    }

    @Test("/healthz answers 200 and /readyz 200 once the stores are open and migrated")
    func healthAndReadiness() async throws {
        let daemon = try daemon()
        try await daemon.makeApplication().test(.live) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"alive"}"#)
            let ready = try await waitUntilReady(client)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body) == #"{"status":"ready"}"#)
            #expect(ready.headers[.contentType] == "application/json; charset=utf-8")
        }
        #expect(FileManager.default.fileExists(atPath: directory.file("data/vault.sqlite")))
        #expect(FileManager.default.fileExists(atPath: directory.file("data/ledger.sqlite")))
    }

    @Test("/metrics is Prometheus text with request counts and latencies per route")
    func metrics() async throws {
        try await daemon().makeApplication().test(.live) { client in
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/healthz", method: .get)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"baton_http_requests_total{method="GET",route="/healthz",status="200"} 2"#))
            #expect(text.contains(#"baton_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#))
        }
    }

    @Test("an unknown route answers 404 with the JSON error shape")
    func unknownRoute() async throws {
        try await daemon().makeApplication().test(.live) { client in
            let response = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(response.status == .notFound)
            let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
            #expect(body == ErrorBody(code: "not_found", message: "no route for GET /v1/nothing"))
        }
    }

    @Test("after a graceful shutdown the daemon reports stopping and has closed its stores")
    func gracefulShutdownClosesStores() async throws {
        let daemon = try daemon()
        try await daemon.makeApplication().test(.live) { client in
            let ready = try await waitUntilReady(client)
            #expect(ready.status == .ok)
            #expect(await daemon.storage.openStores() == [.vault, .ledger, .ledgerIndex, .tasks])
        }
        #expect(await daemon.readiness.state == .stopping)
        #expect(await daemon.storage.openStores().isEmpty)
    }
}

@Suite("Readiness reporting")
struct ReadinessTests {
    @Test("/readyz is 503 with the reason while starting, after a failure and while stopping")
    func notReadyStates() async throws {
        let readiness = Readiness()
        let storage = StorageService(settings: .init(dataDirectory: "/nonexistent"), readiness: readiness, logger: Logger(label: "test"))
        let router = Router(context: BatonRequestContext.self)
        HealthRoutes(readiness: readiness, storage: storage, metrics: .init()).register(on: router)
        let app = Application(router: router)
        let cases: [(Readiness.State, String)] = [
            (.starting(reason: "opening stores"), #"{"reason":"opening stores","status":"starting"}"#),
            (.failed(reason: "disk full"), #"{"reason":"disk full","status":"failed"}"#),
            (.stopping, #"{"reason":"the daemon is shutting down","status":"stopping"}"#),
        ]
        try await app.test(.router) { client in
            for (state, body) in cases {
                await readiness.update(state)
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == body)
            }
        }
    }

    @Test("a store that cannot open fails the storage service and readiness names the cause")
    func storageFailure() async throws {
        let directory = try TemporaryDirectory()
        let blocker = try directory.write("not-a-directory", "x")
        let readiness = Readiness()
        let service = StorageService(settings: .init(dataDirectory: blocker), readiness: readiness, logger: Logger(label: "test"))
        await #expect(throws: (any Error).self) { try await service.run() }
        guard case .failed(let reason) = await readiness.state else {
            Issue.record("expected the failed state")
            return
        }
        #expect(reason == "data directory \(blocker): exists and is not a directory")
    }
}
