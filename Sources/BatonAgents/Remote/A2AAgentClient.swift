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
    /// How long a canceled chain waits for the agent to name its task and cancel it.
    private let cancelTimeout: Duration = .seconds(5)
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

    /// Sends `input` to the A2A agent `agent` whose card is at (or under) `location`, and
    /// follows its task to the end: over the stream when the card offers streaming, else by
    /// asking for the task. A chain canceled meanwhile cancels the agent's task too — at once
    /// when the agent has named it, else as soon as it does (within a few seconds).
    ///
    /// - Parameter audience: the resource the token was exchanged for (the assertion's `aud`).
    func send(
        to agent: String, at location: String, audience: String, input: String, token: Secret, position: ChainPosition
    ) async throws(AgentError) -> AgentAnswer {
        let card = try await card(of: agent, at: location)
        var follower = A2ATaskFollower(
            client: client, timeout: timeout, agent: agent, endpoint: try Self.interface(of: card, agent: agent), token: token, position: position)
        var message: [String: JSONValue] = [
            "messageId": .string(UUIDv7.make()), "role": .string(A2ARole.user.rawValue), "parts": [["text": .string(input)]],
        ]
        if let assertions, card.capabilities.extensions?.contains(where: { $0.uri == DelegationChainExtension.uri }) == true {
            do {
                let jws = try assertions.sign(position, audience: audience, token: token)
                message["metadata"] = [DelegationChainExtension.uri: ["jws": .string(jws)]]
                follower.extensions = [DelegationChainExtension.uri]
            } catch {
                throw .remoteFailed(agent: agent, status: 500, message: "the delegation chain could not be signed: \(error)")
            }
        }
        let streaming = card.capabilities.streaming == true
        let cancellation = RemoteTaskCancellation { [follower, cancelTimeout] id in await follower.cancel(id, within: cancelTimeout) }
        // The follower runs apart from this task so that a cancel can still learn the task's id.
        let following = Task { [follower, message] () async -> Result<AgentAnswer, AgentError> in
            do throws(AgentError) {
                return .success(
                    streaming
                        ? try await follower.stream(.object(message), cancellation: cancellation)
                        : try await follower.sendAndFollow(.object(message), cancellation: cancellation))
            } catch {
                return .failure(error)
            }
        }
        let result = await withTaskCancellationHandler {
            await following.value
        } onCancel: { [cancelTimeout] in
            Task { await cancellation.request() }
            Task {
                try? await Task.sleep(for: cancelTimeout)
                following.cancel()
            }
        }
        guard !Task.isCancelled else { throw .canceled(agent: agent) }
        return try result.get()
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
}
