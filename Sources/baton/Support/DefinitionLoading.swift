import BatonAgents
import BatonConfig
import BatonConnectors
import Foundation

extension ConfigOptions {
    /// The connectors and agents the configuration points at, checked as the daemon checks them.
    ///
    /// - Parameter defaults: environment values used when the environment does not set them
    ///   (e.g. the running dev stack's `BATON_SERVICENOW_URL`).
    func loadDefinitions(defaults: [String: String] = [:]) throws -> (BatonConfiguration, ConnectorCatalog, AgentCatalog) {
        let configuration = try load().configuration
        let environment = ProcessInfo.processInfo.environment.merging(defaults) { set, _ in set }
        do {
            let connectors = try ConnectorCatalog.load(directory: configuration.connectors.directory, environment: environment)
            let agents = try AgentCatalog.load(directory: configuration.agents.directory, connectors: connectors, environment: environment)
            return (configuration, connectors, agents)
        } catch {
            throw CommandFailure(message: error.description, exitCode: .configurationError)
        }
    }
}
