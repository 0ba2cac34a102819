import BatonConnectors
import BatonCore
import Foundation
import Logging
import Synchronization

/// A ServiceNow instance on a laptop: the Table API with encoded queries, per-user ACLs
/// and audit fields, accepting tokens through an emulated OIDC inbound integration.
///
/// ```swift
/// let emulator = try ServiceNowEmulator(path: "sn.sqlite", oidc: .init(metadataURL: idp.discoveryURL, clientID: servicenowAppID), logger: logger)
/// try await ServiceNowEmulatorServer(emulator: emulator, logger: logger).makeApplication().runService()
/// ```
public final class ServiceNowEmulator: Sendable {
    public let instance: ServiceNowInstance
    let authenticator: ServiceNowAuthenticator
    let faults = ServiceNowFaults()
    private let base = Mutex("http://127.0.0.1")

    /// - Parameters:
    ///   - path: the SQLite file that keeps the instance's data (seeded when new); `nil` keeps it in memory.
    ///   - oidc: how the instance's OIDC inbound integration is configured.
    public init(path: String?, oidc: ServiceNowOIDCSettings, logger: Logger) throws {
        instance = try ServiceNowInstance(path: path)
        authenticator = ServiceNowAuthenticator(settings: oidc, instance: instance, logger: logger)
    }

    /// The instance's base URL, e.g. `http://127.0.0.1:9500`.
    public var baseURL: String { base.withLock { $0 } }

    func setBaseURL(_ url: String) {
        base.withLock { $0 = url }
    }

    // MARK: - Knobs

    /// The OIDC inbound configuration in force.
    public func oidcSettings() async -> ServiceNowOIDCSettings {
        await authenticator.settings
    }

    /// Reconfigures the OIDC inbound integration (e.g. a wrong client id, JTI verification on).
    public func configure(_ settings: ServiceNowOIDCSettings) async {
        await authenticator.update(settings)
    }

    /// Why the instance refused the last token it refused, `nil` after an accepted one.
    /// The tokens the instance accepted lately, as `aud`, `oid`, `azp` and SHA-256 each.
    public func acceptedTokens() async -> [JSONValue] {
        await authenticator.accepted.map { token -> JSONValue in
            var object: JSONObject = ["sha256": .string(token.sha256)]
            object["aud"] = token.aud.map(JSONValue.string)
            object["oid"] = token.oid.map(JSONValue.string)
            object["azp"] = token.azp.map(JSONValue.string)
            return .object(object)
        }
    }

    public func lastRejection() async -> String? {
        await authenticator.lastRejection
    }

    /// Answers the next `count` Table API requests with `fault` instead of serving them.
    public func inject(_ fault: ServiceNowFault, count: Int = 1) async {
        await faults.inject(fault, count: count)
    }

    /// Requests served and those that sent a session cookie back.
    /// From now on, keeps the trace id of each request (``ServiceNowStatistics/traceIDs``).
    public func recordTraces() async {
        await faults.recordTraces()
    }

    public func statistics() async -> ServiceNowStatistics {
        await faults.statistics
    }

    /// How many records of `table` exist, how many the user with `email` may read, and the
    /// numbers (and categories) of those hidden from them: an admin's view, for demos.
    public func visibility(of table: String, forUserWithEmail email: String) async -> (total: Int, readable: Int, hidden: [String])? {
        guard let user = await instance.user(where: "email", equals: email) else { return nil }
        let session = await instance.session(for: user)
        let (total, readable, hidden) = await instance.visibility(table, as: session)
        return (
            total, readable,
            hidden.map { record in [record["number"], record["category"].map { "(\($0))" }].compactMap { $0 }.joined(separator: " ") }
        )
    }
}
