import BatonAgents
import BatonConnectors
import BatonCore
import Foundation
import Synchronization

/// The agent and connector definitions in force, replaced whole by a reload.
///
/// Whoever asks gets the definitions current at that moment; a chain keeps the runtime —
/// and so the definitions — it started with, so a reload never changes a chain in flight.
final class AgentMesh: Sendable {
    /// One set of definitions, numbered: a new number means a new runtime.
    struct Definitions: Sendable {
        let catalog: AgentCatalog
        let connectors: ConnectorCatalog
        /// Every definition file read (and the configuration file), with its SHA-256.
        let files: [String: String]
        let generation: Int
    }

    private let current: Mutex<Definitions>

    init(_ definitions: Definitions) {
        current = Mutex(definitions)
    }

    var definitions: Definitions { current.withLock { $0 } }

    func replace(_ definitions: Definitions) {
        current.withLock { $0 = definitions }
    }

    /// The SHA-256 of each file that exists, hex, by path.
    static func digests(of paths: [String]) -> [String: String] {
        Dictionary(paths.compactMap { path in FileDigest.sha256(of: path).map { (path, $0) } }) { first, _ in first }
    }
}
