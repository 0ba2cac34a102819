import AsyncHTTPClient
import BatonAgentCore
import BatonCore
import Foundation
import NIOCore
import NIOPosix

/// The AgentCore Identity data plane as the seed's agent uses it: `GetResourceOauth2Token`
/// with `ON_BEHALF_OF_TOKEN_EXCHANGE` for ServiceNow, warm (the vault's hot tier answers),
/// each request SigV4-signed by the client and verified by Baton, at several concurrencies.
struct AgentCoreBenchmark {
    let endpoint: String
    let userToken: String
    let calls: Int
    let concurrency: [Int]
    static let workload = "servicenow-agent"
    static let signer = SigV4Signer(
        accessKey: "AKIABATONDEVSNOW0001", secret: Secret("servicenow-agent-dev-secret-key"), region: "us-east-1", service: "bedrock-agentcore")

    func run() async throws -> [String] {
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: (concurrency.max() ?? 1) + 4)))
        do {
            let wat = try await call(
                client, "GetWorkloadAccessTokenForJWT", ["workloadName": .string(Self.workload), "userToken": .string(userToken)])
            guard let token = wat["workloadAccessToken"]?.stringValue else { throw CommandFailure(message: "no workload access token: \(wat)") }
            let request: JSONObject = [
                "workloadIdentityToken": .string(token), "resourceCredentialProviderName": "EntraIdServiceNow",
                "scopes": ["api://servicenow/user_impersonation"], "oauth2Flow": "ON_BEHALF_OF_TOKEN_EXCHANGE",
            ]
            _ = try await call(client, "oauth2/token", request)  // warm: the vault holds token B now
            var lines: [String] = []
            for level in concurrency {
                let count = max(calls, level * 4)
                let started = ContinuousClock.now
                let samples = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for worker in 0..<level {
                        group.addTask {
                            var latencies: [Int64] = []
                            var index = worker
                            while index < count {
                                let begin = ContinuousClock.now
                                let answer = try await call(client, "oauth2/token", request)
                                guard answer["accessToken"] != nil else { throw CommandFailure(message: "no access token: \(answer)") }
                                let elapsed = ContinuousClock.now - begin
                                latencies.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                                index += level
                            }
                            return latencies
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                let rate = Double(samples.count) / (ContinuousClock.now - started).timeInterval
                let sample = LatencySample(merging: samples)
                lines.append(
                    String(
                        format: "  AgentCore GetResourceOauth2Token (warm, SigV4), %4d concurrent: %.0f calls/s; p50 %.0f µs, p99 %.0f µs", level,
                        rate,
                        sample.percentile(0.5), sample.percentile(0.99)))
            }
            try await client.shutdown()
            return lines
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// One signed call of the data plane; its JSON answer, or a failure with AWS's error.
    private func call(_ client: HTTPClient, _ operation: String, _ body: JSONObject) async throws -> JSONObject {
        let url = URL(string: endpoint)!
        let path = url.path + "/identities/\(operation)"
        let bytes = JSONValue.object(body).serialized
        let host = "\(url.host ?? "127.0.0.1")" + (url.port.map { ":\($0)" } ?? "")
        let signed = Self.signer.sign(
            SigV4Request(
                method: "POST", path: path, headers: [(name: "host", value: host), (name: "content-type", value: "application/json")], body: bytes))
        var request = HTTPClientRequest(url: "\(url.scheme ?? "http")://\(host)\(path)")
        request.method = .POST
        for header in signed.headers where header.name.lowercased() != "host" { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await client.execute(request, timeout: .seconds(30))
        let answer = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok, let object = try? JSONValue(parsing: answer.readableBytesView).objectValue else {
            throw CommandFailure(
                message:
                    "\(operation) failed with \(response.status.code) \(response.headers["x-amzn-ErrorType"].first ?? ""): \(String(buffer: answer))")
        }
        return object
    }
}
