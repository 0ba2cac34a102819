import BatonConnectors
import BatonCore
import BatonIdentity

/// Why an invocation failed. Every case has a stable code (the HTTP API maps it to a
/// status in `BatonServer`'s `ErrorResponse`), and none carries a token.
public enum AgentError: BatonError {
    /// Why a delegation or tool call was refused by policy.
    public typealias Denial = PolicyDenial.Reason

    case unknownAgent(String)
    /// The hop's token failed verification.
    case tokenRejected(agent: String, rejection: TokenRejection)
    /// The token at a hop is for another user than the chain's.
    case userMismatch(agent: String)
    case denied(Denial, message: String)
    /// The IdP or a downstream wants the user to do more (MFA, consent): passed back verbatim.
    case claimsChallenge(claims: String, message: String)
    case exchangeFailed(agent: String, error: ExchangeError)
    case connector(ConnectorError)
    case timedOut(agent: String, after: Duration)
    case stepLimit(agent: String, steps: Int)
    case brainFailed(agent: String, reason: String)
    /// The ledger could not record a step, so the step was not taken.
    case auditFailed(reason: String)
    case remoteFailed(agent: String, status: Int, message: String)
    /// The chain was canceled (an A2A `CancelTask`, the client gone) while the agent worked;
    /// whatever it had delegated was canceled too.
    case canceled(agent: String)

    /// Whether this is the chain's cancellation itself, as opposed to a failure it caused.
    var isCancellation: Bool {
        if case .canceled = self { return true }
        return false
    }

    public var code: String {
        switch self {
        case .unknownAgent: "unknown_agent"
        case .tokenRejected(_, let rejection): rejection.code
        case .userMismatch: "user_mismatch"
        case .denied(let denial, _): denial.rawValue
        case .claimsChallenge: "claims_challenge"
        case .exchangeFailed(_, let error): error.code
        case .connector(let error): error.code
        case .timedOut: "hop_timeout"
        case .stepLimit: "step_limit"
        case .brainFailed: "brain_failed"
        case .auditFailed: "audit_failed"
        case .remoteFailed: "remote_agent_failed"
        case .canceled: "canceled"
        }
    }

    public var description: String {
        switch self {
        case .unknownAgent(let id): "no agent is named '\(id)'"
        case .tokenRejected(let agent, let rejection): "\(agent) refused the token: \(rejection)"
        case .userMismatch(let agent): "the token handed to \(agent) is for another user than the chain's; the chain was stopped"
        case .denied(_, let message): message
        case .claimsChallenge(_, let message): message
        case .exchangeFailed(let agent, let error): "\(agent) could not exchange the user's token: \(error)"
        case .connector(let error): error.description
        case .timedOut(let agent, let after): "\(agent) did not finish within \(after)"
        case .stepLimit(let agent, let steps): "\(agent) reached its limit of \(steps) steps without an answer"
        case .brainFailed(let agent, let reason): "\(agent)'s brain failed: \(reason)"
        case .auditFailed(let reason): "the audit ledger could not record the step, so it was not taken: \(reason)"
        case .remoteFailed(let agent, let status, let message): "the remote agent \(agent) answered \(status): \(message)"
        case .canceled(let agent): "\(agent) was canceled before it finished"
        }
    }
}
