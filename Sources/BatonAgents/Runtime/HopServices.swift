import BatonConnectors
import BatonCore
import BatonIdentity

/// What every hop needs from the daemon, built once per runtime: the definitions and
/// their actors, the policy, the broker and verifier, the clients of remote, A2A and AgentCore
/// agents, the workload access tokens.
///
/// A value, not the runtime: a hop reads what it needs here and records through its
/// invocation's ``HopAuditor``; nothing here calls back into the runtime.
struct HopServices: Sendable {
    let catalog: AgentCatalog
    let connectors: ConnectorCatalog
    let agents: [AgentID: AgentActor]
    let policy: DelegationPolicy
    let broker: TokenBroker
    let verifier: TokenVerifier
    let remote: RemoteAgentClient
    let a2a: A2AAgentClient
    let agentCore: AgentCoreAppClient
    let workloadTokens: WorkloadTokens
    let hopNumbers: HopCounter
    let deadlines: HopDeadlines
    let metrics: RuntimeMetrics
    /// The spans hops open (`invoke_agent`, `execute_tool`).
    let spans: HopSpans
    /// The token endpoint for a user's tenant, for agents that do not name one.
    let tokenEndpoint: @Sendable (String) -> String

    /// How `definition`'s agent authenticates when it exchanges a token of `tenant`'s user; `nil` without a credential.
    func exchangeClient(for definition: AgentDefinition, tenant: String) -> ExchangeClient? {
        guard let credential = definition.credential else { return nil }
        return ExchangeClient(clientID: definition.clientID, credential: credential, tokenEndpoint: definition.tokenEndpoint ?? tokenEndpoint(tenant))
    }
}

/// One call of ``AgentRuntime/invoke(agent:input:token:joining:expectedUser:traceID:events:)``:
/// the auditor its hops record through, where its events go, and the hops it ran.
struct Invocation: Sendable {
    let auditor: HopAuditor
    let events: AgentRuntime.EventSink
    let log: HopLog
}
