import BatonCore
import Foundation

/// One audited event: who (the original user), through which agents, did what to which
/// target, with what outcome.
///
/// `sequence` and the hash are assigned by the writer; everything else describes the
/// event. No field ever holds a token — `tokenFingerprint` is an HMAC of it.
public struct LedgerEntry: Sendable, Codable, Equatable {
    /// Assigned when written; gapless from 1.
    public var sequence: Int64
    /// Microseconds since 1970.
    public var timestamp: Int64
    /// The chain this event belongs to (UUIDv7).
    public var chainID: String
    /// The hop within the chain, 0 at the front door.
    public var hop: Int
    public var parentHop: Int?
    public var kind: LedgerEventKind
    /// The original user of the chain.
    public var user: ChainUser?
    /// The agent acting at this hop.
    public var agent: String?
    /// The agents from the front door to this one.
    public var actorPath: [String]
    /// An agent, or a connector such as `servicenow`.
    public var target: String?
    /// What was touched, e.g. `servicenow:incident/INC0012345`.
    public var resource: String?
    /// A tool name, or an HTTP method and path template.
    public var operation: String?
    public var status: Int?
    public var decision: LedgerDecision?
    /// A reason code, e.g. `not_a_declared_delegate`.
    public var reason: String?
    public var tokenFingerprint: String?
    /// `hot`, `store` or `idp`.
    public var tokenSource: String?
    public var latencyMicroseconds: Int64?
    public var traceID: String?

    public init(
        timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1_000_000), chainID: String, hop: Int, parentHop: Int? = nil, kind: LedgerEventKind,
        user: ChainUser?, agent: String?, actorPath: [String], target: String? = nil, resource: String? = nil, operation: String? = nil,
        status: Int? = nil, decision: LedgerDecision? = nil, reason: String? = nil, tokenFingerprint: String? = nil, tokenSource: String? = nil,
        latencyMicroseconds: Int64? = nil, traceID: String? = nil
    ) {
        self.sequence = 0
        self.timestamp = timestamp
        self.chainID = chainID
        self.hop = hop
        self.parentHop = parentHop
        self.kind = kind
        self.user = user
        self.agent = agent
        self.actorPath = actorPath
        self.target = target
        self.resource = resource
        self.operation = operation
        self.status = status
        self.decision = decision
        self.reason = reason
        self.tokenFingerprint = tokenFingerprint
        self.tokenSource = tokenSource
        self.latencyMicroseconds = latencyMicroseconds
        self.traceID = traceID
    }
}

/// What kind of event an entry records.
public enum LedgerEventKind: String, Sendable, Codable, CaseIterable {
    case inbound, exchange, delegate
    case toolCall = "tool_call"
    case downstream, deny, error
    case vaultPurge = "vault_purge"
    case admin
    /// A workload access token minted for an AgentCore app's hop.
    case workloadToken = "workload_token"
}

/// Whether a policy allowed the step.
public enum LedgerDecision: String, Sendable, Codable {
    case allowed, denied
}
