import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the agents and connectors (``BatonDaemon/reload()``), one reload at a
/// time, for as long as the daemon runs.
struct ReloadOnHangup: Service {
    let daemon: BatonDaemon

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try? await cancelWhenGracefulShutdown {
            for await _ in hangups { await daemon.reload() }
        }
    }
}
