import BatonConnectors
import BatonCore
import BatonIdentity
import BatonLedger

/// One agent's turn in a chain: its verified token and chain context, and the two things
/// its brain may ask for — a delegation or a tool call — each checked against policy,
/// recorded in the ledger first, and carried out with a freshly exchanged token.
struct Hop: Sendable {
    let runtime: AgentRuntime
    let definition: AgentDefinition
    let context: ChainContext
    let token: Secret
    let verified: VerifiedToken
    let events: AgentRuntime.EventSink
    let log: HopLog

    var agent: String { definition.id }

    // MARK: - Delegation

    func delegate(to callee: String, input: String, scopes requestedScopes: ScopeSet? = nil) async throws(AgentError) -> AgentAnswer {
        guard let delegation = definition.delegation(to: callee) else {
            throw try await deny(.notDeclared, target: callee, "\(agent) may not delegate to \(callee): it is not among its declared delegates")
        }
        let scopes = requestedScopes ?? delegation.scopes
        guard scopes.scopes.allSatisfy({ delegation.scopes.scopes.contains($0) }) else {
            throw try await deny(
                .scopeNotAllowed, target: callee,
                "\(agent) may ask \(callee) for \(delegation.scopes.canonical), not \(scopes.canonical)")
        }
        guard !context.actorPath.contains(callee) else {
            throw try await deny(
                .cycle, target: callee, "delegating to \(callee) would make a cycle (\((context.actorPath + [callee]).joined(separator: " → ")))")
        }
        guard context.depth < runtime.settings.maximumDepth else {
            throw try await deny(
                .depthExceeded, target: callee, "the chain is already \(context.depth) agents deep (the limit is \(runtime.settings.maximumDepth))")
        }
        guard let target = runtime.catalog[callee] else { throw .unknownAgent(callee) }
        events(.delegating(from: agent, to: callee))
        let (exchanged, exchangeEntry) = try await exchange(for: target.resource, scopes: scopes, target: callee)
        let number = target.remote == nil ? await runtime.hops.allocate(in: context.chainID, after: context.hop) : context.hop + 1
        let child = context.child(callee, hop: number)
        if let url = target.remote {
            try await runtime.record([exchangeEntry])
            let answer = try await runtime.remote.invoke(url: url, agent: callee, input: input, token: exchanged.accessToken, chain: child)
            await log.add(answer.hops)
            return answer
        }
        // The exchange is recorded with the callee's acceptance (or refusal): one fsync per hop.
        return try await runtime.run(
            agent: callee, input: input, token: exchanged.accessToken, chain: child, correlation: nil, carried: [exchangeEntry], events: events,
            log: log)
    }

    // MARK: - Tools

    func callTool(_ name: String, arguments: JSONObject) async throws(AgentError) -> ToolResult {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        let allowed = AgentCatalog.allowedTools(of: definition, connectors: runtime.connectors)
        guard parts.count == 2, allowed.contains(name), let connector = runtime.connectors[parts[0]], let grant = definition.grant(for: parts[0])
        else {
            throw try await deny(.toolNotAllowed, target: parts.first ?? name, "\(agent) may not call \(name)")
        }
        events(.toolCalled(agent: agent, tool: name))
        guard let client = runtime.exchangeClient(for: definition, tenant: context.user.tenantID) else {
            throw .brainFailed(agent: agent, reason: "the agent has no credential to exchange with")
        }
        let scopes = grant.scopes.isEmpty ? connector.scopes : grant.scopes
        // The call and the token it will use are recorded together, before any request is made.
        let (first, exchangeEntry) = try await exchange(for: connector.audience, scopes: scopes, target: connector.name)
        try await runtime.record([
            runtime.entry(.toolCall, context, agent: agent, target: connector.name, operation: parts[1], decision: .allowed), exchangeEntry,
        ])
        let runtime = self.runtime
        let context = self.context
        let agent = self.agent
        let credentials = BrokeredCredentials(
            connector: connector.name, broker: runtime.broker,
            request: ExchangeRequest(subjectToken: token, client: client, resource: connector.audience, scopes: scopes), issuer: verified.issuer,
            context: vaultContext(audience: connector.audience, scopes: scopes), recorded: first.accessToken
        ) { token in
            try await runtime.record(
                .exchange, context, agent: agent, target: connector.name, operation: "exchange", decision: .allowed, token: token.accessToken,
                tokenSource: token.source)
        }
        let connectorContext = ConnectorContext(credentials: credentials) { call in
            try await runtime.record(
                .downstream, context, agent: agent, target: connector.name, resource: call.resource, operation: "\(call.method) \(call.pathTemplate)",
                status: call.status, decision: .allowed, latency: call.latency)
        }
        do {
            let result = try await connector.execute(ToolCall(tool: parts[1], arguments: arguments), context: connectorContext)
            events(.toolFinished(agent: agent, tool: name, summary: result.summary))
            return result
        } catch {
            try await runtime.record(
                .error, context, agent: agent, target: connector.name, operation: parts[1], decision: .denied, reason: error.code)
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

    // MARK: - Private

    /// The broker's token for `resource` and the `exchange` entry to record for it; IdP
    /// refusals are recorded here and mapped (a claims challenge passes back verbatim).
    private func exchange(for resource: String, scopes: ScopeSet, target: String) async throws(AgentError) -> (BrokeredToken, LedgerEntry) {
        guard let client = runtime.exchangeClient(for: definition, tenant: context.user.tenantID) else {
            throw .brainFailed(agent: agent, reason: "the agent has no credential to exchange with")
        }
        let started = ContinuousClock.now
        let request = ExchangeRequest(subjectToken: token, client: client, resource: resource, scopes: scopes)
        let exchanged: BrokeredToken
        do {
            exchanged = try await runtime.broker.token(
                for: request, issuer: verified.issuer, context: vaultContext(audience: resource, scopes: scopes))
        } catch {
            try await runtime.record(.error, context, agent: agent, target: target, operation: "exchange", decision: .denied, reason: error.code)
            events(.denied(agent: agent, code: error.code, message: "\(error)"))
            if case .interactionRequired(let claims?, _, let message) = error { throw .claimsChallenge(claims: claims, message: message) }
            throw .exchangeFailed(agent: agent, error: error)
        }
        let entry = runtime.entry(
            .exchange, context, agent: agent, target: target, operation: "exchange", decision: .allowed, token: exchanged.accessToken,
            tokenSource: exchanged.source, latency: ContinuousClock.now - started)
        return (exchanged, entry)
    }

    /// Records a policy denial and returns the error to throw.
    private func deny(_ denial: AgentError.Denial, target: String, _ message: String) async throws(AgentError) -> AgentError {
        try await runtime.record(.deny, context, agent: agent, target: target, decision: .denied, reason: denial.rawValue)
        events(.denied(agent: agent, code: denial.rawValue, message: message))
        return .denied(denial, message: message)
    }

    private func vaultContext(audience: String, scopes: ScopeSet) -> VaultEntryContext {
        VaultEntryContext(
            tenantID: context.user.tenantID, objectID: context.user.objectID, username: context.user.username, agent: agent, audience: audience,
            scopes: scopes)
    }
}
