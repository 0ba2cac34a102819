import AsyncHTTPClient
import BatonCore
import BatonIdentity
import Foundation
internal import NIOCore

/// Delegation to an agent another Baton daemon runs: the exchanged token as the bearer,
/// the chain's position in `traceparent` and Baton's chain headers, the answer back as JSON.
public struct RemoteAgentClient: Sendable {
    let client: HTTPClient
    let timeout: Duration

    public init(client: HTTPClient = .shared, timeout: Duration = .seconds(60)) {
        self.client = client
        self.timeout = timeout
    }

    func invoke(url: String, agent: String, input: String, token: Secret, position: ChainPosition) async throws(AgentError) -> AgentAnswer {
        let base = URLText.trimmingTrailingSlash(url)
        var request = HTTPClientRequest(url: "\(base)/v1/agents/\(agent)/invoke")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in position.headers { request.headers.add(name: name, value: value) }
        let body: JSONValue = ["input": .string(input)]
        request.body = .bytes(ByteBuffer(bytes: (try? JSONEncoder().encode(body)) ?? Data()))
        let status: Int
        let json: JSONValue?
        let challenge: String?
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            let data = try await response.body.collect(upTo: 16 << 20)
            status = Int(response.status.code)
            json = try? JSONDecoder().decode(JSONValue.self, from: Data(data.readableBytesView))
            challenge = response.headers.first(name: "WWW-Authenticate")
        } catch {
            throw .remoteFailed(agent: agent, status: 502, message: "the daemon at \(base) could not be reached: \(error)")
        }
        let object = json?.objectValue ?? [:]
        guard status == 200 else {
            let message = object["error"]?.objectValue?["message"]?.stringValue ?? "HTTP \(status)"
            if status == 401, let challenge, let claims = Self.claims(challenge) { throw .claimsChallenge(claims: claims, message: message) }
            throw .remoteFailed(agent: agent, status: status, message: message)
        }
        let hops = (object["hops"]?.arrayValue ?? []).compactMap { value -> HopSummary? in
            guard let data = try? JSONEncoder().encode(value) else { return nil }
            return try? JSONDecoder().decode(HopSummary.self, from: data)
        }
        return AgentAnswer(
            text: object["answer"]?.stringValue ?? "", data: object["data"], chainID: object["chain_id"]?.stringValue ?? position.chainID, hops: hops)
    }

    /// The decoded `claims` of a `WWW-Authenticate` challenge.
    static func claims(_ header: String) -> String? {
        guard let range = header.range(of: #"claims=""#) else { return nil }
        let encoded = header[range.upperBound...].prefix { $0 != "\"" }
        return Data(base64Encoded: String(encoded)).map { String(decoding: $0, as: UTF8.self) }
    }
}
