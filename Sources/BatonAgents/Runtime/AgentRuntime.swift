import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import Foundation
import Logging

/// Runs the agents: each an actor with its own app registration, delegating to each other
/// as the same user, each hop re-exchanging the token and each step recorded.
///
/// Delegation = the broker exchanges the caller's token for the callee's audience → the
/// callee verifies it exactly like an inbound token (audience itself, same `tid`+`oid` as
/// the chain's user) → runs. Policy: declared delegates only, scopes within the
/// definition, a maximum depth, no cycles, a timeout per hop. Every step and every denial
/// goes to the ledger first; when the ledger cannot record it, the step is not taken.
///
/// ```swift
/// let runtime = AgentRuntime(catalog: agents, connectors: connectors, broker: broker, verifier: verifier, audit: ledger, fingerprinter: fp, settings: settings)
/// let answer = try await runtime.invoke(agent: "concierge", input: "Show me 5 incidents assigned to me", token: tokenA)
/// ```
public final class AgentRuntime: Sendable {
    public struct Settings: Sendable {
        /// Agents in one chain at most, the front door included. Default 5.
        public var maximumDepth: Int
        /// The token endpoint for a user's tenant, for agents that do not name one.
        public var tokenEndpoint: @Sendable (String) -> String
        /// The issuer name recorded in vault keys for tokens whose issuer is unknown.
        public var environment: [String: String]

        public init(maximumDepth: Int = 5, tokenEndpoint: @escaping @Sendable (String) -> String, environment: [String: String] = [:]) {
            self.maximumDepth = maximumDepth
            self.tokenEndpoint = tokenEndpoint
            self.environment = environment
        }
    }

    public typealias EventSink = @Sendable (AgentEvent) -> Void

    public let catalog: AgentCatalog
    let connectors: ConnectorCatalog
    let broker: TokenBroker
    let verifier: TokenVerifier
    let audit: any AuditRecorder
    let fingerprinter: TokenFingerprinter
    let settings: Settings
    let agents: [String: AgentActor]
    let remote: RemoteAgentClient
    let hops = HopCounter()
    let logger: Logger

    public init(
        catalog: AgentCatalog, connectors: ConnectorCatalog, broker: TokenBroker, verifier: TokenVerifier, audit: any AuditRecorder,
        fingerprinter: TokenFingerprinter, settings: Settings, remote: RemoteAgentClient = RemoteAgentClient(),
        logger: Logger = Logger(label: "baton.agents")
    ) {
        self.catalog = catalog
        self.connectors = connectors
        self.broker = broker
        self.verifier = verifier
        self.audit = audit
        self.fingerprinter = fingerprinter
        self.settings = settings
        self.remote = remote
        self.logger = logger
        var agents: [String: AgentActor] = [:]
        for definition in catalog.ordered where definition.remote == nil {
            agents[definition.id] = AgentActor(definition: definition, brain: Self.brain(for: definition, environment: settings.environment))
        }
        self.agents = agents
    }

    /// Runs `input` at `agent` with `token` (whose audience must be that agent).
    ///
    /// - Parameters:
    ///   - chain: the chain this hop belongs to, when it is not the first (a remote hop's
    ///     headers, or an in-process delegation); its user must be the token's user.
    ///   - traceID: the W3C trace id to carry, for a new chain.
    ///   - correlation: a remote hop's chain headers; the user still comes from the token.
    public func invoke(
        agent id: String, input: String, token: Secret, chain: ChainContext? = nil, correlation: ChainCorrelation? = nil, traceID: String? = nil,
        events: EventSink? = nil
    ) async throws(AgentError) -> AgentAnswer {
        let log = HopLog()
        let correlation = correlation ?? traceID.map { ChainCorrelation(chainID: "", hop: 0, parentHop: nil, actorPath: [], traceID: $0) }
        let answer = try await run(
            agent: id, input: input, token: token, chain: chain, correlation: correlation, carried: [], events: events ?? { _ in }, log: log)
        if chain == nil { await hops.finish(answer.chainID) }
        return AgentAnswer(text: answer.text, data: answer.data, chainID: answer.chainID, hops: await log.hops.sorted { $0.hop < $1.hop })
    }

    // MARK: - One hop

    /// Verifies the hop's token as the agent, checks it speaks for the chain's user, records the hop, runs the agent.
    ///
    /// - Parameter carried: the caller's entries for this hop (its exchange), recorded in the
    ///   same transaction as this hop's acceptance or denial: one fsync per hop.
    func run(
        agent id: String, input: String, token: Secret, chain: ChainContext?, correlation: ChainCorrelation?, carried: [LedgerEntry],
        events: @escaping EventSink, log: HopLog
    ) async throws(AgentError) -> AgentAnswer {
        guard let definition = catalog[id], let actor = agents[id] else { throw .unknownAgent(id) }
        let started = ContinuousClock.now
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(
                token.revealed, policy: TokenPolicy(audiences: definition.audiences, requireUser: true, requiredScopes: definition.acceptedScopes))
        } catch {
            if let chain {
                try await record(carried + [entry(.deny, chain, agent: id, target: id, decision: .denied, reason: error.code, token: token)])
                events(.denied(agent: id, code: error.code, message: error.description))
            }
            throw .tokenRejected(agent: id, rejection: error)
        }
        let user = LedgerUser(tenantID: verified.principal.tenantID, objectID: verified.principal.objectID, username: verified.principal.username)
        let context: ChainContext
        if let chain {
            guard chain.user.tenantID.lowercased() == user.tenantID.lowercased(), chain.user.objectID.lowercased() == user.objectID.lowercased()
            else {
                try await record(carried + [entry(.deny, chain, agent: id, target: id, decision: .denied, reason: "user_mismatch", token: token)])
                events(.denied(agent: id, code: "user_mismatch", message: AgentError.userMismatch(agent: id).description))
                throw .userMismatch(agent: id)
            }
            context = chain
        } else if let correlation, !correlation.chainID.isEmpty {
            // A remote hop: the chain id and numbering are the caller's; the user is the token's.
            let path = correlation.actorPath.last == id ? correlation.actorPath : correlation.actorPath + [id]
            context = ChainContext(
                chainID: correlation.chainID, user: user, actorPath: path, hop: correlation.hop, parentHop: correlation.parentHop,
                traceID: correlation.traceID ?? ChainContext.start(at: id, for: user, traceID: nil).traceID)
        } else {
            context = ChainContext.start(at: id, for: user, traceID: correlation?.traceID)
        }
        try await record(
            carried + [
                entry(context.hop == 0 ? .inbound : .delegate, context, agent: id, target: id, operation: "invoke", decision: .allowed, token: token)
            ])
        events(.hopStarted(agent: id, hop: context.hop, chainID: context.chainID))
        let hop = Hop(runtime: self, definition: definition, context: context, token: token, verified: verified, events: events, log: log)
        let answer = try await withTimeout(definition.timeout, agent: id) { () async throws(AgentError) -> AgentAnswer in
            try await actor.run(input: input, hop: hop)
        }
        await log.add(
            HopSummary(
                hop: context.hop, parentHop: context.parentHop, agent: id, audience: verified.claims["aud"]?.stringValue ?? "",
                latencyMicroseconds: (ContinuousClock.now - started).microseconds))
        return answer
    }

    // MARK: - Ledger

    /// Appends one entry for `context`; a failure stops the step (fail closed).
    func record(
        _ kind: LedgerEventKind, _ context: ChainContext, agent: String, target: String? = nil, resource: String? = nil, operation: String? = nil,
        status: Int? = nil, decision: LedgerDecision? = nil, reason: String? = nil, token: Secret? = nil, tokenSource: TokenSource? = nil,
        latency: Duration? = nil
    ) async throws(AgentError) {
        try await record([
            entry(
                kind, context, agent: agent, target: target, resource: resource, operation: operation, status: status, decision: decision,
                reason: reason,
                token: token, tokenSource: tokenSource, latency: latency)
        ])
    }

    /// Appends `entries` in one transaction; a failure stops the step (fail closed).
    func record(_ entries: [LedgerEntry]) async throws(AgentError) {
        do {
            try await audit.append(contentsOf: entries)
        } catch {
            logger.error(
                "the ledger refused an entry; the step is not taken",
                metadata: ["kinds": "\(entries.map(\.kind.rawValue))", "agent": "\(entries.last?.agent ?? "")"])
            throw .auditFailed(reason: "\(error)")
        }
    }

    /// One ledger entry for a step in `context`, with the token's fingerprint (never the token).
    func entry(
        _ kind: LedgerEventKind, _ context: ChainContext, agent: String, target: String? = nil, resource: String? = nil, operation: String? = nil,
        status: Int? = nil, decision: LedgerDecision? = nil, reason: String? = nil, token: Secret? = nil, tokenSource: TokenSource? = nil,
        latency: Duration? = nil
    ) -> LedgerEntry {
        LedgerEntry(
            chainID: context.chainID, hop: context.hop, parentHop: context.parentHop, kind: kind, user: context.user, agent: agent,
            actorPath: context.actorPath, target: target, resource: resource, operation: operation, status: status, decision: decision,
            reason: reason, tokenFingerprint: token.map { fingerprinter.fingerprint(of: $0.revealed).hex }, tokenSource: tokenSource?.rawValue,
            latencyMicroseconds: latency?.microseconds, traceID: context.traceID)
    }

    // MARK: - Helpers

    func exchangeClient(for definition: AgentDefinition, tenant: String) -> ExchangeClient? {
        guard let credential = definition.credential else { return nil }
        return ExchangeClient(
            clientID: definition.clientID, credential: credential, tokenEndpoint: definition.tokenEndpoint ?? settings.tokenEndpoint(tenant))
    }

    static func brain(for definition: AgentDefinition, environment: [String: String]) -> any Brain {
        switch definition.brain {
        case .rules(let rules): RulesBrain(rules: rules)
        case .chatCompletions(let settings): ChatCompletionsBrain(settings: settings, environment: environment)
        }
    }

    private func withTimeout<T: Sendable>(_ limit: Duration, agent: String, _ work: @escaping @Sendable () async throws(AgentError) -> T)
        async throws(AgentError) -> T
    {
        let outcome: Result<T, AgentError> = await withTaskGroup(of: Result<T, AgentError>?.self) { group in
            group.addTask {
                do throws(AgentError) {
                    return .success(try await work())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return Task.isCancelled ? nil : .failure(.timedOut(agent: agent, after: limit))
            }
            var result: Result<T, AgentError> = .failure(.timedOut(agent: agent, after: limit))
            for await next in group {
                guard let next else { continue }
                result = next
                group.cancelAll()
                break
            }
            return result
        }
        return try outcome.get()
    }
}

extension Duration {
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
