import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger
import Foundation
import Tracing

/// One agent's turn in a chain: opened once its token is verified as the agent's and as
/// the chain user's, then the two things its brain may ask for — a delegation or a tool
/// call — each checked by the ``DelegationPolicy``, recorded through the invocation's
/// ``HopAuditor`` and carried out with a freshly exchanged token.
///
/// The path reads in one direction: ``open(agent:token:at:expectedUser:services:invocation:)``
/// → ``run(input:)`` → the agent's brain → ``delegate(to:input:scopes:)`` (which opens the
/// callee's hop) or ``callTool(_:arguments:)`` (which calls the connector).
struct Hop: Sendable {
    let services: HopServices
    let invocation: Invocation
    let definition: AgentDefinition
    /// The agent's brain at work; `nil` for an AgentCore app, which does its own.
    let actor: AgentActor?
    let position: ChainPosition
    /// The chain's user, whom every hop's token must speak for.
    let user: ChainUser
    let token: Secret
    let verified: VerifiedToken
    let started: ContinuousClock.Instant

    /// The agent's id as the ledger and events spell it.
    var agent: String { definition.id.rawValue }
    private var auditor: HopAuditor { invocation.auditor }

    // MARK: - Opening a hop

    /// Verifies `token` exactly as an inbound one (signature, issuer, audience = the agent,
    /// expiry), checks that it speaks for `expectedUser` when the chain already has one, and
    /// queues the hop's acceptance (unless it was `announced` already). A refusal inside a
    /// chain is queued as a denial against the chain's user.
    static func open(
        agent id: String, token: Secret, at position: ChainPosition, expectedUser: ChainUser?, services: HopServices, invocation: Invocation,
        caller: VerifiedCaller? = nil, operation: String = "invoke", announced: Bool = true
    ) async throws(AgentError) -> Hop {
        guard let definition = services.catalog.definition(named: id), definition.opensHere else { throw .unknownAgent(id) }
        let actor = services.agents[definition.id]
        let started = ContinuousClock.now
        let auditor = invocation.auditor
        let verified: VerifiedToken
        do throws(TokenRejection) {
            if let known = caller?.verification(of: token, at: id, now: Int64(Date().timeIntervalSince1970)) {
                verified = known
            } else {
                verified = try await services.verifier.verify(token.revealed, policy: policy(for: definition))
            }
        } catch {
            // Inside a chain the refusal is the chain user's; at the door, the user an
            // authentic token names (a forged or garbled one is nobody's and not recorded).
            var refused = expectedUser
            if refused == nil { refused = await services.verifier.authenticUser(of: token.revealed) }
            if let refused {
                await auditor.queue(
                    auditor.entry(.deny, at: position, user: refused, agent: id, target: id, decision: .denied, reason: error.code, token: token))
                invocation.events(.denied(agent: id, code: error.code, message: error.description))
            }
            throw .tokenRejected(agent: id, rejection: error)
        }
        let tokenUser = verified.principal.chainUser
        if let expectedUser, !expectedUser.isSameUser(as: tokenUser) {
            let refusal = AgentError.userMismatch(agent: id)
            await auditor.queue(
                auditor.entry(.deny, at: position, user: expectedUser, agent: id, target: id, decision: .denied, reason: refusal.code, token: token))
            invocation.events(.denied(agent: id, code: refusal.code, message: refusal.description))
            throw refusal
        }
        let user = expectedUser ?? tokenUser
        if announced {
            // A chain's first entry also names the application the user called through (`azp`/`appid`).
            let client = position.hop == 0 ? verified.principal.clientID.map { "app:\($0)" } : nil
            await auditor.queue(
                auditor.entry(
                    position.hop == 0 ? .inbound : .delegate, at: position, user: user, agent: id, target: id, resource: client,
                    operation: operation, decision: .allowed, fingerprint: verified.principal.fingerprint))
            invocation.events(.hopStarted(agent: id, hop: position.hop, chainID: position.chainID))
        }
        return Hop(
            services: services, invocation: invocation, definition: definition, actor: actor, position: position, user: user, token: token,
            verified: verified, started: started)
    }

    /// What a token must be to open `definition`'s hop: for one of its audiences, a user's,
    /// carrying one of the scopes it accepts.
    static func policy(for definition: AgentDefinition) -> TokenPolicy {
        TokenPolicy(audiences: definition.audiences, requireUser: true, requiredScopes: definition.acceptedScopes)
    }

    /// Calls one of the agent's tools directly (an MCP client's `tools/call`), within the
    /// agent's timeout, under the same policy and with the same entries as a brain's call.
    func runTool(_ name: String, arguments: JSONObject) async throws(AgentError) -> ToolResult {
        try await withinTimeLimit(definition.timeout, of: agent) { () async throws(AgentError) -> ToolResult in
            try await callTool(name, arguments: arguments)
        }
    }

    /// Runs the agent on `input` within its timeout and logs the hop for the answer's `hops`.
    func run(input: String) async throws(AgentError) -> AgentAnswer {
        let answer: AgentAnswer
        do {
            answer = try await withinTimeLimit(definition.timeout, of: agent) { () async throws(AgentError) -> AgentAnswer in
                if let actor { return try await actor.run(input: input, hop: self) }
                guard let app = definition.agentCore else { throw .unknownAgent(agent) }
                return try await runApp(app, input: input)
            }
        } catch {
            services.metrics.hop(agent: agent, outcome: error.code, duration: ContinuousClock.now - started)
            throw error
        }
        services.metrics.hop(agent: agent, outcome: "ok", duration: ContinuousClock.now - started)
        await invocation.log.add(
            HopSummary(
                hop: position.hop, parentHop: position.parentHop, agent: agent, audience: verified.claims["aud"]?.stringValue ?? "",
                latencyMicroseconds: (ContinuousClock.now - started).microseconds))
        return answer
    }

    /// Runs the agent's AgentCore app on `input`: a workload access token bound to this
    /// hop (its user, its token, its place in the chain, expiring with the token) is
    /// minted and recorded, durable before the app is called, and ended when the hop is.
    private func runApp(_ app: AgentCoreAppSettings, input: String) async throws(AgentError) -> AgentAnswer {
        let workloadToken = await services.workloadTokens.issue(
            for: app.workload, user: user, userToken: token, position: position, userTokenExpires: verified.claims["exp"]?.integerValue)
        await auditor.queue(
            auditor.entry(
                .workloadToken, at: position, user: user, agent: agent, target: app.workload, operation: "agentcore WorkloadAccessToken",
                decision: .allowed, token: workloadToken))
        do {
            try await auditor.barrier()
            let answer = try await services.agentCore.invoke(
                agent: agent, app: app, input: input, workloadToken: workloadToken, position: position, timeout: definition.timeout)
            await services.workloadTokens.revoke(workloadToken)
            invocation.events(.answered(agent: agent, text: answer.text))
            return answer
        } catch {
            await services.workloadTokens.revoke(workloadToken)
            await auditor.queue(
                auditor.entry(.error, at: position, user: user, agent: agent, target: agent, operation: "agentcore invocations", reason: error.code))
            throw error
        }
    }

    // MARK: - Delegation

    /// Hands `input` to `callee` as the same user: policy, an exchange for the callee's
    /// audience, then the callee's own hop (in process), a request to its daemon, or an
    /// A2A message to it.
    func delegate(to callee: String, input: String, scopes requested: ScopeSet? = nil) async throws(AgentError) -> AgentAnswer {
        let (target, token) = try await prepareDelegation(to: callee, scopes: requested)
        let remote = target.a2a != nil || target.remote != nil
        return try await services.spans.invokeAgent(
            callee, description: target.description, kind: remote ? .client : .internal, input: input
        ) { span throws(AgentError) in
            if let card = target.a2a { return try await sendA2A(to: target, card: card, input: input, token: token, span: span) }
            if let url = target.remote {
                let at = position.child(callee, hop: position.hop + 1)
                HopSpans.place(span, at: at)
                try await auditor.barrier()
                let answer = try await services.remote.invoke(url: url, agent: callee, input: input, token: token, position: at)
                await invocation.log.add(answer.hops)
                return answer
            }
            let hop = try await openCallee(callee, token: token)
            HopSpans.place(span, at: hop.position)
            return try await hop.run(input: input)
        }
    }

    /// The hop to an A2A agent: durable before the message leaves, and recorded as the
    /// callee's hop (answered or not) against the chain's user, since that agent keeps no
    /// ledger of ours.
    private func sendA2A(to target: AgentDefinition, card: String, input: String, token: Secret, span: any Span) async throws(AgentError)
        -> AgentAnswer
    {
        let callee = target.id.rawValue
        let number = await services.hopNumbers.allocate(in: position.chainID, after: position.hop)
        let at = position.child(callee, hop: number)
        HopSpans.place(span, at: at)
        try await auditor.barrier()
        let sent = ContinuousClock.now
        let result: Result<AgentAnswer, AgentError>
        do throws(AgentError) {
            // The A2A agent's own `limits.timeout` bounds its hop, as a local agent's bounds its.
            result = .success(
                try await withinTimeLimit(target.timeout, of: callee) { [services] () async throws(AgentError) -> AgentAnswer in
                    try await services.a2a.send(to: callee, at: card, audience: target.resource, input: input, token: token, position: at)
                })
        } catch {
            result = .failure(error)
        }
        let latency = ContinuousClock.now - sent
        switch result {
        case .success(let answer):
            await auditor.queue(
                auditor.entry(
                    .delegate, at: at, user: user, agent: callee, target: callee, resource: card, operation: "a2a SendMessage", status: 200,
                    decision: .allowed, token: token, latency: latency))
            await invocation.log.add([
                HopSummary(hop: number, parentHop: position.hop, agent: callee, audience: target.resource, latencyMicroseconds: latency.microseconds)
            ])
            return answer
        case .failure(let error):
            await auditor.queue(
                auditor.entry(
                    .error, at: at, user: user, agent: callee, target: callee, resource: card, operation: "a2a SendMessage", reason: error.code,
                    token: token, latency: latency))
            throw error
        }
    }

    /// The policy's consent, then the user's token for the callee's audience (its exchange queued).
    func prepareDelegation(to name: String, scopes requested: ScopeSet?) async throws(AgentError) -> (AgentDefinition, Secret) {
        // The brain names the callee; a name that is no agent id is as undeclared as any other.
        let scopes: ScopeSet
        let callee: AgentID
        do throws(PolicyDenial) {
            guard let id = AgentID(rawValue: name) else {
                throw PolicyDenial(
                    reason: .notDeclared, target: name, message: "\(agent) may not delegate to \(name): it is not among its declared delegates")
            }
            callee = id
            scopes = try services.policy.delegation(from: definition.id, to: callee, scopes: requested, at: position)
        } catch {
            throw await deny(error)
        }
        guard let target = services.catalog[callee] else { throw .unknownAgent(name) }
        invocation.events(.delegating(from: agent, to: name))
        let (exchanged, exchangeEntry) = try await exchange(for: target.resource, scopes: scopes, target: name)
        await auditor.queue(exchangeEntry)
        return (target, exchanged.accessToken)
    }

    /// The callee's hop in this process, numbered after this one, opened with the token exchanged for it.
    func openCallee(_ callee: String, token: Secret) async throws(AgentError) -> Hop {
        let number = await services.hopNumbers.allocate(in: position.chainID, after: position.hop)
        return try await Hop.open(
            agent: callee, token: token, at: position.child(callee, hop: number), expectedUser: user, services: services, invocation: invocation)
    }

    // MARK: - Tools

    /// Calls `name` (`connector.tool`) with the user's token for the connector's audience,
    /// in its `execute_tool` span. The call and its token are durable before the first
    /// request leaves; each request's outcome is queued for the next barrier.
    func callTool(_ name: String, arguments: JSONObject) async throws(AgentError) -> ToolResult {
        try await services.spans.executeTool(name, at: position) { () async throws(AgentError) -> ToolResult in
            try await performToolCall(name, arguments: arguments)
        }
    }

    private func performToolCall(_ name: String, arguments: JSONObject) async throws(AgentError) -> ToolResult {
        let grant: (tool: ToolName, scopes: ScopeSet)
        do {
            grant = try services.policy.tool(name, for: definition.id)
        } catch {
            throw await deny(error)
        }
        guard let connector = services.connectors[grant.tool.connector] else {
            throw await deny(PolicyDenial(reason: .toolNotAllowed, target: grant.tool.connector, message: "\(agent) may not call \(name)"))
        }
        invocation.events(.toolCalled(agent: agent, tool: name))
        let audience: String
        do {
            audience = try await connector.resolvedAudience()
        } catch {
            await auditor.queue(
                auditor.entry(
                    .error, at: position, user: user, agent: agent, target: connector.name, operation: grant.tool.tool, decision: .denied,
                    reason: error.code))
            throw .connector(error)
        }
        let (first, exchangeEntry) = try await exchange(for: audience, scopes: grant.scopes, target: connector.name)
        await auditor.queue(
            auditor.entry(.toolCall, at: position, user: user, agent: agent, target: connector.name, operation: grant.tool.tool, decision: .allowed),
            exchangeEntry)
        let credentials = HopCredentials(connector: connector.name, first: first, broker: services.broker) { () async throws(AgentError) in
            let (renewed, entry) = try await exchange(for: audience, scopes: grant.scopes, target: connector.name)
            await auditor.queue(entry)
            return renewed
        }
        let context = ConnectorContext(
            credentials: credentials,
            record: { call in
                await auditor.queue(
                    auditor.entry(
                        .downstream, at: position, user: user, agent: agent, target: connector.name, resource: call.resource,
                        operation: "\(call.method) \(call.pathTemplate)", status: call.status, decision: .allowed, latency: call.latency))
            },
            beforeRequest: { try await auditor.barrier() }, traceID: position.traceID)
        do {
            let result = try await connector.execute(ToolCall(tool: grant.tool.tool, arguments: arguments), context: context)
            invocation.events(.toolFinished(agent: agent, tool: name, summary: result.summary))
            return result
        } catch {
            await auditor.queue(
                auditor.entry(
                    .error, at: position, user: user, agent: agent, target: connector.name, operation: grant.tool.tool, decision: .denied,
                    reason: error.code))
            switch error {
            case .claimsChallenge(_, let claims):
                throw .claimsChallenge(claims: claims, message: "\(connector.name) requires the user to satisfy a claims challenge (e.g. MFA)")
            case .auditFailed(let reason):
                throw .auditFailed(reason: reason)
            default:
                throw .connector(error)
            }
        }
    }

    /// A token for `resource` exchanged On-Behalf-Of this hop's user as this agent, its
    /// `exchange` entry queued: what an AgentCore workload asks for its downstream.
    func exchangedToken(for resource: String, scopes: ScopeSet, target: String) async throws(AgentError) -> Secret {
        let (token, entry) = try await exchange(for: resource, scopes: scopes, target: target)
        await auditor.queue(entry)
        return token.accessToken
    }

    // MARK: - Private

    /// The broker's token for `resource` and the `exchange` entry to queue for it. The
    /// barrier runs only when the broker must ask the identity provider. IdP refusals are
    /// queued here and mapped (a claims challenge passes back verbatim).
    private func exchange(for resource: String, scopes: ScopeSet, target: String) async throws(AgentError) -> (BrokeredToken, LedgerEntry) {
        guard let client = services.exchangeClient(for: definition, tenant: user.tenantID) else {
            throw .brainFailed(agent: agent, reason: "the agent has no credential to exchange with")
        }
        let started = ContinuousClock.now
        let auditor = self.auditor
        let exchanged: BrokeredToken
        do {
            // The broker opens an `exchange_token` span when it asks the IdP; a vault hit has none.
            exchanged = try await services.broker.token(
                for: ExchangeRequest(subjectToken: token, client: client, resource: resource, scopes: scopes), issuer: verified.issuer,
                context: VaultEntryContext(
                    tenantID: user.tenantID, objectID: user.objectID, username: user.username, agent: agent, audience: resource, scopes: scopes),
                beforeIdentityProvider: { try await auditor.barrier() })
        } catch {
            if case .notRecorded(let reason) = error { throw .auditFailed(reason: reason) }
            await auditor.queue(
                auditor.entry(
                    .error, at: position, user: user, agent: agent, target: target, operation: "exchange", decision: .denied, reason: error.code))
            invocation.events(.denied(agent: agent, code: error.code, message: "\(error)"))
            if case .interactionRequired(let claims?, _, let message) = error { throw .claimsChallenge(claims: claims, message: message) }
            throw .exchangeFailed(agent: agent, error: error)
        }
        let entry = auditor.entry(
            .exchange, at: position, user: user, agent: agent, target: target, operation: "exchange", decision: .allowed,
            token: exchanged.accessToken,
            tokenSource: exchanged.source, latency: ContinuousClock.now - started)
        return (exchanged, entry)
    }

    /// Queues a policy denial and returns the error to throw.
    private func deny(_ denial: PolicyDenial) async -> AgentError {
        await auditor.queue(
            auditor.entry(.deny, at: position, user: user, agent: agent, target: denial.target, decision: .denied, reason: denial.reason.rawValue))
        invocation.events(.denied(agent: agent, code: denial.reason.rawValue, message: denial.message))
        return .denied(denial.reason, message: denial.message)
    }

    /// Runs `work` in a task the deadline watcher cancels once `limit` (an agent's
    /// `limits.timeout`) passes; a cancellation of the caller reaches it too.
    private func withinTimeLimit<T: Sendable>(
        _ limit: Duration, of agent: String, _ work: @escaping @Sendable () async throws(AgentError) -> T
    ) async throws(AgentError) -> T {
        let expiry = HopExpiry()
        let task = Task { () async throws(AgentError) -> T in try await work() }
        let watch = await services.deadlines.watch(until: .now + limit) {
            expiry.expire()
            task.cancel()
        }
        let outcome = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        await services.deadlines.forget(watch)
        guard !expiry.hasExpired else { throw .timedOut(agent: agent, after: limit) }
        switch outcome {
        case .success(let value): return value
        // A canceled hop says so, whatever its work failed with as it stopped.
        case .failure(let error as AgentError) where !task.isCancelled || error.isCancellation: throw error
        case .failure: throw .canceled(agent: agent)
        }
    }
}
