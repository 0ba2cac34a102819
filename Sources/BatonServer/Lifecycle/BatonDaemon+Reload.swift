import BatonAgents
import BatonConfig
import BatonCore
import BatonLedger
import Foundation

extension BatonDaemon {
    /// What a reload did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The new definitions are in force for chains that start from now on.
        case applied(summary: String)
        /// Nothing changed; the reason names the file and field.
        case refused(reason: String)
    }

    /// Reads the configuration file, the agents and the connectors again (SIGHUP, `baton
    /// reload`). A definition that fails validation is refused with the same file-and-field
    /// message as at startup and the running set stays in force; chains in flight finish on
    /// the definitions they started with. The ledger records an `admin` entry, operation
    /// `config_reload`, naming each changed file and its SHA-256 — durable before the new
    /// definitions take effect. Settings that need a restart (listener, storage, identity,
    /// AgentCore) are reported and left as they are.
    @discardableResult
    public func reload() async -> ReloadOutcome {
        do {
            let loaded = try BatonConfiguration.load(file: configurationFile, environment: environment).configuration
            let (before, after) = try await agents.reload(loaded, configurationFile: configurationFile) { before, after in
                guard let ledger = await storage.ledger() else { throw ReloadFailure(description: "the ledger is not open yet") }
                _ = try await ledger.writer.append(Self.reloadEntry(before: before, after: after))
            }
            toolChanges.watch(after.catalog, connectors: after.connectors)
            await toolChanges.publish(after.catalog.ordered.filter(\.isLocal).map(\.id.rawValue))
            let summary = Self.summary(before: before, after: after, restartNeeded: Self.restartNeeded(configuration, loaded))
            logger.notice("reloaded the agents and connectors", metadata: ["changes": "\(summary)", "generation": "\(after.generation)"])
            return .applied(summary: summary)
        } catch {
            logger.error("reload refused; the running agents and connectors stay in force", metadata: ["reason": "\(error)"])
            return .refused(reason: "\(error)")
        }
    }

    struct ReloadFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// The ledger's record of a reload: which files changed, with their new digests.
    static func reloadEntry(before: AgentMesh.Definitions, after: AgentMesh.Definitions) -> LedgerEntry {
        let changed = Set(before.files.keys).union(after.files.keys).sorted().compactMap { path -> String? in
            switch (before.files[path], after.files[path]) {
            case (nil, let new?): "added \(path) sha256:\(new)"
            case (_?, nil): "removed \(path)"
            case (let old?, let new?) where old != new: "changed \(path) sha256:\(new)"
            default: nil
            }
        }
        return LedgerEntry(
            at: ChainPosition.start(at: "baton"), kind: .admin, user: nil, agent: nil, target: "baton", resource: "config",
            operation: "config_reload", reason: changed.isEmpty ? "no file changed" : changed.joined(separator: "; "))
    }

    /// The agents added, removed and changed, for the log and the caller.
    static func summary(before: AgentMesh.Definitions, after: AgentMesh.Definitions, restartNeeded: [String]) -> String {
        let old = Set(before.catalog.ordered.map(\.id.rawValue))
        let new = Set(after.catalog.ordered.map(\.id.rawValue))
        let changedFiles = Set(after.files.filter { before.files[$0.key] != $0.value }.keys)
        let changed = after.catalog.ordered.filter { old.contains($0.id.rawValue) && changedFiles.contains($0.file) }.map(\.id.rawValue)
        var parts = [
            "agents added: \(new.subtracting(old).sorted().joined(separator: ", ").ifEmpty("none"))",
            "removed: \(old.subtracting(new).sorted().joined(separator: ", ").ifEmpty("none"))",
            "changed: \(changed.sorted().joined(separator: ", ").ifEmpty("none"))",
        ]
        if !restartNeeded.isEmpty { parts.append("needs a restart to change (kept as they are): \(restartNeeded.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }

    /// The sections whose new values a reload does not apply.
    static func restartNeeded(_ running: BatonConfiguration, _ loaded: BatonConfiguration) -> [String] {
        var sections: [String] = []
        if running.server != loaded.server { sections.append("server") }
        if running.storage != loaded.storage { sections.append("storage") }
        if running.identity != loaded.identity { sections.append("identity") }
        if running.vault != loaded.vault { sections.append("vault") }
        if running.agentcore != loaded.agentcore { sections.append("agentcore") }
        if running.console != loaded.console { sections.append("console") }
        return sections
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
