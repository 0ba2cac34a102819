import Foundation
import Hummingbird
import Prometheus

/// `GET /healthz`, `GET /readyz` and `GET /metrics`: what orchestrators and scrapers ask.
struct HealthRoutes {
    let readiness: Readiness
    let storage: StorageService
    let metrics: PrometheusCollectorRegistry

    struct Status: Codable, Equatable {
        var status: String
        var reason: String?
    }

    func register(on router: Router<BatonRequestContext>) {
        router.get("healthz") { _, _ in
            Self.json(.ok, Status(status: "alive"))
        }
        router.get("readyz") { _, _ in
            await readyResponse()
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }

    private func readyResponse() async -> Response {
        switch await readiness.state {
        case .starting(let reason):
            return Self.json(.serviceUnavailable, Status(status: "starting", reason: reason))
        case .failed(let reason):
            return Self.json(.serviceUnavailable, Status(status: "failed", reason: reason))
        case .stopping:
            return Self.json(.serviceUnavailable, Status(status: "stopping", reason: "the daemon is shutting down"))
        case .ready:
            let problems = await storage.problems()
            guard problems.isEmpty else {
                return Self.json(.serviceUnavailable, Status(status: "degraded", reason: problems.joined(separator: "; ")))
            }
            return Self.json(.ok, Status(status: "ready"))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return json(status, bytes: (try? encoder.encode(body)) ?? Data())
    }

    /// A response whose body is JSON already serialized, with `headers` besides its content type.
    static func json(_ status: HTTPResponse.Status, bytes: some Sequence<UInt8>, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
