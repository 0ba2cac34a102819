import BatonCore
import Foundation
import ServiceLifecycle

/// Speaks systemd's notify protocol when the daemon runs as a `Type=notify` service
/// (`contrib/baton.service`): `READY=1` once the stores are open and the listener is
/// bound — so `systemctl start` returns when Baton can actually serve —, `WATCHDOG=1` at
/// half the unit's `WatchdogSec` while it runs, and `STOPPING=1` when a graceful shutdown
/// begins. Without `NOTIFY_SOCKET` it does nothing.
struct SystemdNotifier: Service {
    let socket: SystemdNotifySocket?
    let watchdogInterval: Duration?
    let readiness: Readiness

    init(environment: [String: String], readiness: Readiness) {
        socket = SystemdNotifySocket(environment: environment)
        watchdogInterval = SystemdNotifySocket.watchdogInterval(environment: environment)
        self.readiness = readiness
    }

    func run() async throws {
        // A service that returns ends the daemon: without systemd, wait for the shutdown.
        guard let socket else { return try await gracefulShutdown() }
        try? await cancelWhenGracefulShutdown {
            var listening: String?
            while !Task.isCancelled {
                if await readiness.state == .ready, let url = await readiness.listeningAt {
                    listening = url
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            guard let listening else { return }
            socket.send("READY=1\nSTATUS=serving on \(listening)\nMAINPID=\(getpid())")
            guard let watchdogInterval else { return try await gracefulShutdown() }
            while !Task.isCancelled {
                socket.send("WATCHDOG=1")
                try await Task.sleep(for: watchdogInterval)
            }
        }
        socket.send("STOPPING=1\nSTATUS=stopping: finishing in-flight requests")
    }
}
