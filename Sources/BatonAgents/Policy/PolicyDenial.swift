import BatonCore

/// Why the delegation policy refused a step: a stable reason, what was refused, and a
/// sentence for the person who has to act.
public struct PolicyDenial: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code each refusal is recorded and answered with.
    public enum Reason: String, Sendable, CaseIterable {
        case notDeclared = "delegate_not_declared"
        case scopeNotAllowed = "scope_not_allowed"
        case cycle = "delegation_cycle"
        case depthExceeded = "depth_exceeded"
        case toolNotAllowed = "tool_not_allowed"
    }

    public let reason: Reason
    /// The agent or connector the refused step was aimed at.
    public let target: String
    public let message: String

    public var description: String { message }
}
