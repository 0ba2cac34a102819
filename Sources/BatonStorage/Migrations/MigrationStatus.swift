import Foundation

/// Where one migration stands in one database, as `baton migrate status` shows it.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Applied at the given time with the checksum this binary carries.
        case applied(at: Date)
        /// Carried by this binary, not yet applied.
        case pending
        /// Applied, but the file has changed since: startup refuses this database.
        case changed(appliedChecksum: String)
        /// Applied, but this binary does not carry the file: startup refuses this database.
        case missing
    }

    public let store: String
    public let version: Int
    public let name: String
    public let state: State

    public init(store: String, version: Int, name: String, state: State) {
        self.store = store
        self.version = version
        self.name = name
        self.state = state
    }
}
