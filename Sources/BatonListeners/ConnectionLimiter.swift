import BatonConfig
import Metrics
import Synchronization

/// How many connections are open, in all and per peer address, against the limits of
/// `server.connections`; shared by every connection of a listener.
final class ConnectionLimiter: Sendable {
    enum Refusal: String {
        case total = "max"
        case peer = "max_per_peer"
    }

    private struct Counts {
        var total = 0
        var perPeer: [String: Int] = [:]
    }

    let settings: ConnectionSettings
    private let counts = Mutex(Counts())
    private let open: Gauge
    private let factory: any MetricsFactory

    init(settings: ConnectionSettings, factory: any MetricsFactory) {
        self.settings = settings
        self.factory = factory
        self.open = Gauge(label: "baton_http_connections_open", factory: factory)
    }

    /// Takes a slot for a connection from `peer`, or says which limit refuses it.
    func admit(peer: String) -> Refusal? {
        let outcome = counts.withLock { counts -> (Refusal?, Int) in
            if counts.total >= settings.maximum { return (.total, counts.total) }
            if counts.perPeer[peer, default: 0] >= settings.maximumPerPeer { return (.peer, counts.total) }
            counts.total += 1
            counts.perPeer[peer, default: 0] += 1
            return (nil, counts.total)
        }
        if let refusal = outcome.0 {
            Counter(label: "baton_http_connections_refused_total", dimensions: [("limit", refusal.rawValue)], factory: factory).increment()
        } else {
            open.record(outcome.1)
        }
        return outcome.0
    }

    /// Gives back `peer`'s slot.
    func release(peer: String) {
        let total = counts.withLock { counts -> Int in
            counts.total -= 1
            let left = counts.perPeer[peer, default: 1] - 1
            counts.perPeer[peer] = left > 0 ? left : nil
            return counts.total
        }
        open.record(total)
    }

    /// Counts a connection closed because it took too long, by what it was doing.
    func timedOut(_ phase: ConnectionGuard.Phase) {
        Counter(label: "baton_http_connection_timeouts_total", dimensions: [("phase", phase.rawValue)], factory: factory).increment()
    }

    /// Open connections now.
    var openConnections: Int { counts.withLock { $0.total } }
}
