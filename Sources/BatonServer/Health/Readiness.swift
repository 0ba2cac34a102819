/// Whether the daemon can serve requests, as `GET /readyz` reports it.
///
/// Liveness (`/healthz`) only says the process answers; readiness says its stores are
/// open and migrated. Load balancers route on the second.
public actor Readiness {
    /// The daemon's phase.
    public enum State: Sendable, Equatable {
        case starting(reason: String)
        case ready
        case failed(reason: String)
        case stopping
    }

    public private(set) var state: State = .starting(reason: "opening stores")
    /// The listener's base URL once it is bound.
    public private(set) var listeningAt: String?

    public init() {}

    func update(_ state: State) {
        self.state = state
    }

    func listening(at url: String) {
        listeningAt = url
    }
}
