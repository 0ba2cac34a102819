import AsyncHTTPClient
import BatonA2A
import BatonCore
import Foundation
internal import NIOCore

/// Delegation to any A2A 1.0 agent: its card fetched (and kept for a while), the message
/// sent to the JSON-RPC interface the card names with the user's freshly exchanged token as
/// the bearer and the chain's `traceparent`, and the task followed to its end.
///
/// Whatever the agent answers that is not A2A — an unreachable card, a card without a
/// JSON-RPC 1.x interface, garbage, an error, a failed task — is an ``AgentError`` naming
/// the agent, never a crash and never a token.
public actor A2AAgentClient {
    private let client: HTTPClient
    private let timeout: Duration
    private let cardLifetime: Duration
    private let assertions: ChainAssertion?
    private var cards: [String: (card: AgentCard, fetched: ContinuousClock.Instant)] = [:]

    /// - Parameter assertions: signs the delegation chain for agents whose card declares
    ///   ``DelegationChainExtension``; `nil` sends none.
    public init(
        client: HTTPClient = .shared, timeout: Duration = .seconds(60), cardLifetime: Duration = .seconds(300), assertions: ChainAssertion? = nil
    ) {
        self.client = client
        self.timeout = timeout
        self.cardLifetime = cardLifetime
        self.assertions = assertions
    }

    /// Sends `input` to the A2A agent `agent` whose card is at (or under) `location`.
    ///
    /// - Parameter audience: the resource the token was exchanged for (the assertion's `aud`).
    func send(
        to agent: String, at location: String, audience: String, input: String, token: Secret, position: ChainPosition
    ) async throws(AgentError) -> AgentAnswer {
        let card = try await card(of: agent, at: location)
        let endpoint = try Self.interface(of: card, agent: agent)
        var message: [String: JSONValue] = [
            "messageId": .string(UUID().uuidString.lowercased()), "role": .string(A2ARole.user.rawValue), "parts": [["text": .string(input)]],
        ]
        var extensions: [String] = []
        if let assertions, card.capabilities.extensions?.contains(where: { $0.uri == DelegationChainExtension.uri }) == true {
            do {
                let jws = try assertions.sign(position, audience: audience, token: token)
                message["metadata"] = [DelegationChainExtension.uri: ["jws": .string(jws)]]
                extensions.append(DelegationChainExtension.uri)
            } catch {
                throw .remoteFailed(agent: agent, status: 500, message: "the delegation chain could not be signed: \(error)")
            }
        }
        var result = try await call(
            agent, endpoint, method: "SendMessage", params: ["message": .object(message)], token: token, position: position, extensions: extensions)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let reply = result.objectValue?["message"] {
                let text = (try? JSONDecoder().decode(A2AMessage.self, from: Data(reply.serialized)))?.text ?? ""
                return AgentAnswer(text: text, data: nil, chainID: position.chainID, hops: [])
            }
            guard let taskJSON = result.objectValue?["task"] ?? (result.objectValue?["status"] != nil ? result : nil),
                let task = try? JSONDecoder().decode(A2ATask.self, from: Data(taskJSON.serialized))
            else {
                throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered something that is neither a task nor a message")
            }
            if let answer = try Self.outcome(of: task, agent: agent, chainID: position.chainID) { return answer }
            // Still running: follow it.
            guard ContinuousClock.now < deadline else { throw .timedOut(agent: agent, after: timeout) }
            try? await Task.sleep(for: .milliseconds(100))
            result = try await call(agent, endpoint, method: "GetTask", params: ["id": .string(task.id)], token: token, position: position)
        }
    }

    /// What a task's state means for the chain: its answer, an error, or `nil` while it runs.
    static func outcome(of task: A2ATask, agent: String, chainID: String) throws(AgentError) -> AgentAnswer? {
        let said = task.status.message?.text ?? ""
        switch task.status.state {
        case .completed:
            let parts = (task.artifacts ?? []).flatMap(\.parts)
            let text = parts.compactMap(\.text).joined(separator: "\n")
            return AgentAnswer(text: text.isEmpty ? said : text, data: parts.compactMap(\.data).first, chainID: chainID, hops: [])
        case .authRequired:
            if let claims = task.status.message?.metadata?.objectValue?["claims"]?.stringValue {
                throw .claimsChallenge(claims: claims, message: said.isEmpty ? "\(agent) needs the user to sign in again" : said)
            }
            throw .remoteFailed(agent: agent, status: 401, message: "the A2A agent needs more authentication: \(said)")
        case .inputRequired:
            throw .remoteFailed(agent: agent, status: 409, message: "the A2A agent asks for more input, which a chain cannot give: \(said)")
        case .failed, .rejected, .canceled:
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A task ended \(task.status.state.rawValue): \(said)")
        case .submitted, .working:
            return nil
        }
    }

    // MARK: - The card

    /// The JSON-RPC URL of the agent's first A2A 1.x JSON-RPC interface.
    private static func interface(of card: AgentCard, agent: String) throws(AgentError) -> String {
        guard
            let interface = card.supportedInterfaces.first(where: {
                $0.protocolBinding.uppercased() == "JSONRPC" && $0.protocolVersion.split(separator: ".").first == "1"
            }), URL(string: interface.url)?.host != nil
        else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's card names no JSON-RPC interface for A2A 1.x")
        }
        return interface.url
    }

    private func card(of agent: String, at location: String) async throws(AgentError) -> AgentCard {
        if let kept = cards[location], ContinuousClock.now - kept.fetched < cardLifetime { return kept.card }
        let url = location.hasSuffix(".json") ? location : URLText.trimmingTrailingSlash(location) + A2AProtocol.cardPath
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's card at \(url) could not be read: \(error)")
        }
        guard status == 200, let card = try? JSONDecoder().decode(AgentCard.self, from: Data(body.readableBytesView)) else {
            throw .remoteFailed(agent: agent, status: 502, message: "\(url) answered HTTP \(status) without an A2A agent card")
        }
        cards[location] = (card, ContinuousClock.now)
        return card
    }

    // MARK: - JSON-RPC

    /// One JSON-RPC call; its `result`, or the error as an ``AgentError``.
    private func call(
        _ agent: String, _ endpoint: String, method: String, params: JSONValue, token: Secret, position: ChainPosition, extensions: [String] = []
    ) async throws(AgentError) -> JSONValue {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: A2AProtocol.versionHeader, value: A2AProtocol.version)
        if !extensions.isEmpty { request.headers.add(name: A2AProtocol.extensionsHeader, value: extensions.joined(separator: ",")) }
        for (name, value) in position.headers { request.headers.add(name: name, value: value) }
        let body: JSONValue = ["jsonrpc": "2.0", "id": .string(UUID().uuidString.lowercased()), "method": .string(method), "params": params]
        request.body = .bytes(ByteBuffer(bytes: body.serialized))
        let status: Int
        let data: ByteBuffer
        let challenge: String?
        do {
            let response = try await client.execute(request, timeout: .init(timeout))
            status = Int(response.status.code)
            challenge = response.headers.first(name: "WWW-Authenticate")
            data = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent at \(endpoint) could not be reached: \(error)")
        }
        guard status == 200 else {
            if status == 401, let challenge, let claims = RemoteAgentClient.claims(challenge) {
                throw .claimsChallenge(claims: claims, message: "\(agent) needs the user to satisfy a claims challenge")
            }
            throw .remoteFailed(agent: agent, status: status, message: "the A2A agent answered HTTP \(status)")
        }
        guard let response = try? JSONValue(parsing: data.readableBytesView), let object = response.objectValue else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered something that is not JSON-RPC")
        }
        if let error = object["error"]?.objectValue {
            let code = error["code"]?.integerValue.map(String.init) ?? "?"
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent answered error \(code): \(error["message"]?.stringValue ?? "")")
        }
        guard let result = object["result"] else {
            throw .remoteFailed(agent: agent, status: 502, message: "the A2A agent's JSON-RPC response has neither result nor error")
        }
        return result
    }
}
