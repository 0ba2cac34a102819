import ServiceLifecycle

/// Stops the AgentCore apps the daemon started once it shuts down, so that no agent
/// process outlives the daemon that supervised it.
struct AgentAppsStopper: Service {
    let system: AgentSystem

    func run() async throws {
        try? await gracefulShutdown()
        await system.stopApps()
    }
}
