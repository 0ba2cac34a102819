import BatonCore

extension LedgerEntry {
    /// An entry for a step at `position` of a chain: its chain id, hop, parent hop, actor
    /// path and trace id come from the one ``ChainPosition`` the runtime carries.
    public init(
        at position: ChainPosition, kind: LedgerEventKind, user: ChainUser?, agent: String?, target: String? = nil, resource: String? = nil,
        operation: String? = nil, status: Int? = nil, decision: LedgerDecision? = nil, reason: String? = nil, tokenFingerprint: String? = nil,
        tokenSource: TokenSource? = nil, latency: Duration? = nil
    ) {
        self.init(
            chainID: position.chainID, hop: position.hop, parentHop: position.parentHop, kind: kind, user: user, agent: agent,
            actorPath: position.actorPath, target: target, resource: resource, operation: operation, status: status, decision: decision,
            reason: reason, tokenFingerprint: tokenFingerprint, tokenSource: tokenSource?.rawValue,
            latencyMicroseconds: latency?.microseconds,
            traceID: position.traceID)
    }

    /// Where in its chain this entry's step was taken.
    public var position: ChainPosition {
        ChainPosition(chainID: chainID, hop: hop, parentHop: parentHop, actorPath: actorPath, traceID: traceID ?? "")
    }
}
