import BatonCore

/// One in-process delegation hop exactly as the runtime takes it, for `baton bench chain`:
/// the policy, the broker's token for the callee, the callee's verification of it and
/// the hop's entries queued — without brains, connectors or the answer's barrier.
///
/// ```swift
/// let probe = try await WarmHopProbe(runtime: runtime, from: "concierge", to: "triage", token: tokenA)
/// try await probe.hop()   // the first exchanges at the IdP; later ones are warm
/// ```
public struct WarmHopProbe: Sendable {
    private let runtime: AgentRuntime
    private let caller: Hop
    private let callee: String

    /// Opens the caller's hop with `token` (verified once, here).
    public init(runtime: AgentRuntime, from caller: String, to callee: String, token: Secret) async throws {
        self.runtime = runtime
        self.callee = callee
        self.caller = try await Hop.open(
            agent: caller, token: token, at: .start(at: caller), expectedUser: nil, services: runtime.services,
            invocation: Invocation(auditor: runtime.auditor(), events: { _ in }, log: HopLog()))
    }

    /// One delegation from the caller's hop to the callee's, opened. Its entries are queued
    /// in a fresh invocation and never written.
    public func hop() async throws {
        let hop = caller.within(Invocation(auditor: runtime.auditor(), events: { _ in }, log: HopLog()))
        let (_, token) = try await hop.prepareDelegation(to: callee, scopes: nil)
        _ = try await hop.openCallee(callee, token: token)
    }
}

extension Hop {
    /// This hop, recording into `invocation`.
    fileprivate func within(_ invocation: Invocation) -> Hop {
        Hop(
            services: services, invocation: invocation, definition: definition, actor: actor, position: position, user: user, token: token,
            verified: verified, started: started)
    }
}
