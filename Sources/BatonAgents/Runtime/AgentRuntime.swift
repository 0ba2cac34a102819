import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import Logging
import Metrics
import Tracing

/// Runs the agents: each an actor with its own app registration, delegating to each other
/// as the same user, each hop re-exchanging the token and each step recorded.
///
/// Delegation = the ``DelegationPolicy`` allows it → the broker exchanges the caller's token
/// for the callee's audience → the callee verifies it exactly like an inbound token
/// (audience itself, same `tid`+`oid` as the chain's user) → runs. Every step and every
/// denial goes to the ledger by the durability rule (see ``HopAuditor``): durable before
/// any effect leaves the process, and when the ledger cannot make it durable, the effect
/// does not happen.
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
        /// The environment brains read their settings from (e.g. a model's API key).
        public var environment: [String: String]
        /// The tenant an app-only token is asked in when no user names one.
        public var defaultTenant: String?
        /// Where hop and barrier latencies go (`/metrics`); none when `nil`.
        public var metrics: (any MetricsFactory)?
        /// Whether `invoke_agent` spans carry the user's request text (`tracing.record_request_text`).
        public var recordsRequestText = false

        public init(
            maximumDepth: Int = 5, tokenEndpoint: @escaping @Sendable (String) -> String, environment: [String: String] = [:],
            defaultTenant: String? = nil
        ) {
            self.maximumDepth = maximumDepth
            self.tokenEndpoint = tokenEndpoint
            self.environment = environment
            self.defaultTenant = defaultTenant
        }
    }

    public typealias EventSink = @Sendable (AgentEvent) -> Void

    public let catalog: AgentCatalog
    let services: HopServices
    private let recorder: any AuditRecorder
    private let fingerprinter: TokenFingerprinter
    private let barriers = BarrierCounter()
    private let appTokens = AppTokens()
    private let defaultTenant: String?
    private let logger: Logger

    public init(
        catalog: AgentCatalog, connectors: ConnectorCatalog, broker: TokenBroker, verifier: TokenVerifier, audit: any AuditRecorder,
        fingerprinter: TokenFingerprinter, settings: Settings, remote: RemoteAgentClient = RemoteAgentClient(),
        a2a: A2AAgentClient = A2AAgentClient(), agentCore: AgentCoreAppClient = AgentCoreAppClient(),
        workloadTokens: WorkloadTokens = WorkloadTokens(), logger: Logger = Logger(label: "baton.agents")
    ) {
        var agents: [AgentID: AgentActor] = [:]
        for definition in catalog.ordered where definition.isLocal {
            agents[definition.id] = AgentActor(
                definition: definition, brain: Self.brain(for: definition, environment: settings.environment), catalog: catalog,
                connectors: connectors)
        }
        self.catalog = catalog
        self.services = HopServices(
            catalog: catalog, connectors: connectors, agents: agents,
            policy: DelegationPolicy(catalog: catalog, connectors: connectors, maximumDepth: settings.maximumDepth), broker: broker,
            verifier: verifier, remote: remote, a2a: a2a, agentCore: agentCore, workloadTokens: workloadTokens, hopNumbers: HopCounter(),
            deadlines: HopDeadlines(), metrics: RuntimeMetrics(factory: settings.metrics),
            spans: HopSpans(recordsRequestText: settings.recordsRequestText), tokenEndpoint: settings.tokenEndpoint)
        self.recorder = audit
        self.fingerprinter = fingerprinter
        self.defaultTenant = settings.defaultTenant
        self.logger = logger
    }

    /// Runs `input` at `agent` with `token` (whose audience must be that agent).
    ///
    /// Every entry of the invocation is durable before the answer or error is returned.
    ///
    /// - Parameters:
    ///   - position: where this hop sits when it joins a chain that started elsewhere (a
    ///     remote hop's headers); correlation only, the user comes from the token.
    ///   - expectedUser: the chain's user when it is known already; a token for anyone
    ///     else is refused with `user_mismatch` and recorded against this user.
    ///   - traceID: the W3C trace id to carry, for a new chain.
    public func invoke(
        agent id: String, input: String, token: Secret, joining position: ChainPosition? = nil, expectedUser: ChainUser? = nil,
        traceID: String? = nil, events: EventSink? = nil, caller: VerifiedCaller? = nil
    ) async throws(AgentError) -> AgentAnswer {
        let (answer, invocation, _) = try await inHop(
            at: id, token: token, joining: position, expectedUser: expectedUser, traceID: traceID, caller: caller, events: events, input: input
        ) { hop throws(AgentError) in try await hop.run(input: input) }
        return AgentAnswer(text: answer.text, data: answer.data, chainID: answer.chainID, hops: await invocation.log.hops.sorted { $0.hop < $1.hop })
    }

    /// Opens the hop at `id` for `token` — a chain of its own, or one joining `position` —
    /// runs `work` in it, and makes every entry durable before the outcome, whatever it
    /// is, leaves: the one path of `invoke`, `callTool` and `exchangedToken`.
    ///
    /// With `resuming`, the hop at that position is open already (an AgentCore app asks
    /// for a token while Baton runs it): its token is verified again, nothing is recorded
    /// of the opening, and what `work` does is recorded at that position.
    ///
    /// A new hop is an `invoke_agent` span; a new chain's trace id is the tracer's (the
    /// caller's trace when it sent one), so the ledger names the trace the spans are in.
    private func inHop<T: Sendable>(
        at id: String, token: Secret, joining position: ChainPosition?, resuming: ChainPosition? = nil, expectedUser: ChainUser? = nil,
        traceID: String?, caller: VerifiedCaller? = nil, operation: String = "invoke", events: EventSink? = nil, input: String? = nil,
        _ work: (Hop) async throws(AgentError) -> T
    ) async throws(AgentError) -> (T, Invocation, ChainPosition) {
        if let resuming {
            return try await openHop(
                at: id, token: token, start: resuming, resuming: true, expectedUser: expectedUser, caller: caller, operation: operation,
                events: events,
                work)
        }
        return try await services.spans.invokeAgent(
            id, description: catalog.definition(named: id)?.description, kind: .internal, input: input
        ) { span throws(AgentError) in
            let start = position?.arriving(at: id) ?? ChainPosition.start(at: id, traceID: TraceContext.current?.traceID ?? traceID)
            HopSpans.place(span, at: start)
            return try await openHop(
                at: id, token: token, start: start, resuming: false, expectedUser: expectedUser, caller: caller, operation: operation, events: events,
                work)
        }
    }

    /// The hop at `start`, opened and run: ``inHop(at:token:joining:resuming:expectedUser:traceID:caller:operation:events:input:_:)``
    /// once the position (and its span) is settled.
    private func openHop<T: Sendable>(
        at id: String, token: Secret, start: ChainPosition, resuming: Bool, expectedUser: ChainUser?, caller: VerifiedCaller?, operation: String,
        events: EventSink?, _ work: (Hop) async throws(AgentError) -> T
    ) async throws(AgentError) -> (T, Invocation, ChainPosition) {
        let invocation = Invocation(auditor: auditor(), events: events ?? { _ in }, log: HopLog())
        let outcome: Result<T, AgentError>
        do throws(AgentError) {
            let hop = try await Hop.open(
                agent: id, token: token, at: start, expectedUser: expectedUser, services: services, invocation: invocation, caller: caller,
                operation: operation, announced: !resuming)
            outcome = .success(try await work(hop))
        } catch {
            outcome = .failure(error)
        }
        if expectedUser == nil { await services.hopNumbers.finish(start.chainID) }
        // The outcome leaves the process: what it rests on is durable first.
        try await invocation.auditor.barrier()
        return (try outcome.get(), invocation, start)
    }

    /// The tools `agent` may call, named `connector.tool` as its definition lists them, in
    /// that order: what an MCP client lists at the agent.
    public func tools(of id: String) -> [(name: String, definition: ToolDefinition)] {
        guard let definition = catalog.definition(named: id), definition.isLocal else { return [] }
        return definition.tools.compactMap { name in
            guard let tool = ToolName(name), let connector = services.connectors[tool.connector],
                let found = connector.tool(named: tool.tool)
            else { return nil }
            return (name, found)
        }
    }

    /// Calls `tool` (`connector.tool`) at `agent` for the user `token` speaks for, as a
    /// chain of its own (or joining `position`): `inbound` (the user, the calling
    /// application, `operation`), then the tool's `tool_call`, `exchange` and `downstream`
    /// entries, all durable before the result or error is returned. The policy is the
    /// agent's, exactly as for its brain; `token` itself never leaves: the connector gets a
    /// token exchanged for its own audience.
    public func callTool(
        _ tool: String, arguments: JSONObject, at id: String, token: Secret, caller: VerifiedCaller? = nil, joining position: ChainPosition? = nil,
        traceID: String? = nil, operation: String
    ) async throws(AgentError) -> ToolAnswer {
        let (result, _, start) = try await inHop(
            at: id, token: token, joining: position, traceID: traceID, caller: caller, operation: operation
        ) { hop throws(AgentError) in try await hop.runTool(tool, arguments: arguments) }
        return ToolAnswer(result: result, chainID: start.chainID)
    }

    /// A token for `resource` (`scopes` on it) exchanged On-Behalf-Of the user `userToken`
    /// speaks for, as `agent`'s app registration: what an AgentCore workload asks with
    /// `GetResourceOauth2Token`. Within the hop at `position` when Baton is running the
    /// workload's app for it (only `exchange` is added there, and `user` must be the
    /// token's); else a chain of its own — `inbound` (the user, `operation`), then
    /// `exchange` (vault hit or IdP). Durable before the token is returned.
    public func exchangedToken(
        as agent: String, userToken: Secret, inHopAt position: ChainPosition? = nil, user: ChainUser? = nil, for resource: String,
        scopes: ScopeSet, target: String, operation: String
    ) async throws(AgentError) -> (token: Secret, chainID: String) {
        let (token, _, start) = try await inHop(
            at: agent, token: userToken, joining: nil, resuming: position, expectedUser: position == nil ? nil : user, traceID: nil,
            operation: operation
        ) { hop throws(AgentError) in try await hop.exchangedToken(for: resource, scopes: scopes, target: target) }
        return (token, start.chainID)
    }

    /// `agent`'s own token for `resource` (client credentials, no user): what an AgentCore
    /// workload asks with `GetResourceOauth2Token` and the `M2M` flow. Recorded as an
    /// app-only `exchange` (resource `app:<client id>`) — in the chain of the hop at
    /// `position` and naming its `user` when Baton runs the workload's app, else as a chain
    /// of its own with no user — durable before the token is returned.
    public func appToken(
        as agent: String, for resource: String, user: ChainUser?, inHopAt position: ChainPosition?, target: String, operation: String
    ) async throws(AgentError) -> Secret {
        guard let definition = catalog.definition(named: agent), definition.opensHere else { throw .unknownAgent(agent) }
        guard let tenant = user?.tenantID ?? defaultTenant,
            let client = services.exchangeClient(for: definition, tenant: tenant)
        else { throw .brainFailed(agent: agent, reason: "the agent has no credential (or no tenant) to ask for its own token with") }
        let record = AppEntry(
            auditor: auditor(), position: position ?? ChainPosition.start(at: agent), user: user, agent: agent, target: target,
            resource: "app:\(definition.clientID)", operation: operation)
        let token: (token: ExchangedToken, fromCache: Bool)
        do {
            token = try await appTokens.token(for: client, resource: resource)
        } catch {
            try? await record.barrier(.error, decision: .denied, reason: error.code)
            throw .exchangeFailed(agent: agent, error: error)
        }
        try await record.barrier(.exchange, decision: .allowed, token: token.token.accessToken, source: token.fromCache ? .hot : .identityProvider)
        return token.token.accessToken
    }

    /// Records that `credential` (an API key) was handed to `agent`'s workload, as an
    /// `exchange` at `position` (or a chain of its own), naming `user` when there is one:
    /// its fingerprint, never the key. Durable before it returns.
    public func recordIssued(
        _ credential: Secret, as agent: String, user: ChainUser?, inHopAt position: ChainPosition?, target: String, operation: String,
        source: TokenSource? = nil
    ) async throws(AgentError) {
        let record = AppEntry(
            auditor: auditor(), position: position ?? ChainPosition.start(at: agent), user: user, agent: agent, target: target, resource: nil,
            operation: operation)
        try await record.barrier(.exchange, decision: .allowed, token: credential, source: source)
    }

    /// An entry about a credential that is the app's rather than a user's: `user` is the
    /// chain's when it has one, and left out otherwise.
    private struct AppEntry {
        let auditor: HopAuditor
        let position: ChainPosition
        let user: ChainUser?
        let agent: String
        let target: String
        let resource: String?
        let operation: String
        let started = ContinuousClock.now

        func barrier(
            _ kind: LedgerEventKind, decision: LedgerDecision, reason: String? = nil, token: Secret? = nil, source: TokenSource? = nil
        ) async throws(AgentError) {
            try await auditor.barrier(
                auditor.entry(
                    kind, at: position, user: user, agent: agent, target: target, resource: resource, operation: operation, decision: decision,
                    reason: reason, token: token, tokenSource: source, latency: ContinuousClock.now - started))
        }
    }

    /// Records a downstream request an AgentCore app made through Baton during its hop at
    /// `position` (`agent`'s, for `user`), durable before it returns. `shared`: other hops
    /// of the user held the same token, so the hop is the latest of them (reason `shared_token`).
    public func recordDownstream(
        _ call: DownstreamCall, at position: ChainPosition, user: ChainUser, agent: String, shared: Bool = false
    ) async throws(AgentError) {
        let auditor = auditor()
        await auditor.queue(
            auditor.entry(
                .downstream, at: position, user: user, agent: agent, target: call.connector, resource: call.resource,
                operation: "\(call.method) \(call.pathTemplate)", status: call.status, decision: .allowed, reason: shared ? "shared_token" : nil,
                latency: call.latency))
        try await auditor.barrier()
    }

    /// How `agent` authenticates at its token endpoint for a user of `tenant` (its app
    /// registration's credential); `nil` for an agent without one.
    public func exchangeClient(of agent: String, tenant: String) -> ExchangeClient? {
        guard let definition = catalog.definition(named: agent) else { return nil }
        return services.exchangeClient(for: definition, tenant: tenant)
    }

    /// The workload access tokens this runtime mints for AgentCore apps, which the
    /// AgentCore Identity data plane honours.
    public var workloadTokens: WorkloadTokens { services.workloadTokens }

    /// Stops the AgentCore apps this runtime started.
    public func stopApps() async {
        await services.agentCore.stop()
    }

    /// Records that `user` was refused at `agent` (a `deny` entry naming `target` and
    /// `reason`) — in the chain of the hop at `position` when the refusal concerns one (an
    /// AgentCore app's request during its hop), else as a chain of its own — durable before
    /// it returns: for refusals decided outside a hop.
    public func recordDenial(at agent: String, user: ChainUser, target: String, reason: String, inHopAt position: ChainPosition? = nil) async {
        await recordDenial(at: agent, user: user, target: target, reason: reason, token: nil, position: position)
    }

    private func recordDenial(
        at agent: String, user: ChainUser, target: String, reason: String, token: Secret?, position: ChainPosition? = nil
    ) async {
        let auditor = auditor()
        await auditor.queue(
            auditor.entry(
                .deny, at: position ?? ChainPosition.start(at: agent, traceID: nil), user: user, agent: agent, target: target, decision: .denied,
                reason: reason, token: token))
        try? await auditor.barrier()
    }

    /// Why `token` is not a token a trusted issuer signed for a user (malformed, forged,
    /// expired, …), or `nil` when it is — whatever its audience. A door asked for an agent
    /// that does not exist answers a caller without such a token exactly as a real agent
    /// would, so that agent names cannot be probed without signing in.
    public func authenticityRejection(of token: Secret) async -> TokenRejection? {
        if await services.verifier.authenticUser(of: token.revealed) != nil { return nil }
        do {
            _ = try await services.verifier.verify(token.revealed, policy: TokenPolicy(audiences: []))
            return nil
        } catch {
            return error
        }
    }

    /// Verifies `token` as a caller of `agent` exactly as a hop would (signature, issuer,
    /// audience = the agent, expiry, the agent's scopes) without running it: for requests
    /// that read what a caller owns (an A2A task) rather than start a chain.
    public func caller(of id: String, token: Secret) async throws(AgentError) -> VerifiedCaller {
        guard let definition = catalog.definition(named: id), definition.opensHere else { throw .unknownAgent(id) }
        do {
            let verified = try await services.verifier.verify(token.revealed, policy: Hop.policy(for: definition))
            return VerifiedCaller(agent: id, token: token, verified: verified)
        } catch {
            // A refused token that is authentic is a denial of its user, recorded as the door's first entry.
            if let user = await services.verifier.authenticUser(of: token.revealed) {
                await recordDenial(at: id, user: user, target: id, reason: error.code, token: token)
            }
            throw .tokenRejected(agent: id, rejection: error)
        }
    }

    /// A new invocation's auditor, recording through this runtime's ledger.
    func auditor() -> HopAuditor {
        HopAuditor(recorder: recorder, fingerprinter: fingerprinter, counter: barriers, metrics: services.metrics, logger: logger)
    }

    /// Barriers raised so far (each one group-committed ledger write, shared with other
    /// chains' under load), for `baton bench chain`.
    public var barrierCount: Int { barriers.value }

    static func brain(for definition: AgentDefinition, environment: [String: String]) -> any Brain {
        switch definition.brain {
        case .rules(let rules): RulesBrain(rules: rules)
        case .chatCompletions(let settings): ChatCompletionsBrain(settings: settings, environment: environment)
        }
    }
}
