import Foundation

/// The seed's Strands agent (`examples/agentcore`) and a Python that can run it: when both
/// are here, `baton demo` and `baton dev up` add it to their mesh as the `agentcore` agent
/// `servicenow-agent`, with its workload identity.
struct AgentCoreExample: Sendable {
    /// The example's directory (its agent file runs `servicenow_agent.py` from there).
    let directory: String
    /// A Python with `bedrock-agentcore` and `strands-agents`.
    let python: String

    static let agent = "servicenow-agent"

    /// The example at `directory`, when it exists and such a Python is found:
    /// `BATON_AGENTCORE_PYTHON`, else `.venv/agentcore/bin/python`.
    static func find(at directory: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> AgentCoreExample? {
        let absolute = URL(fileURLWithPath: directory).standardized.path
        guard FileManager.default.fileExists(atPath: "\(absolute)/agents/\(agent).yaml") else { return nil }
        let candidates: [String?] = [environment["BATON_AGENTCORE_PYTHON"], URL(fileURLWithPath: ".venv/agentcore/bin/python").standardized.path]
        guard let python = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
        return AgentCoreExample(directory: absolute, python: python)
    }

    /// Writes into `mesh` an `agents/` with the files of `agents` and the example's agent
    /// (its command's directory made absolute), and a `workloads/` with those of `workloads`
    /// (when it exists) and the example's; returns both paths.
    func mesh(in mesh: String, agents: String, workloads: String) throws -> (agents: String, workloads: String) {
        let files = FileManager.default
        let agentsCopy = "\(mesh)/agents"
        let workloadsCopy = "\(mesh)/workloads"
        try? files.removeItem(atPath: mesh)
        for folder in [agentsCopy, workloadsCopy] {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try copyDefinitions(from: agents, to: agentsCopy)
        if files.fileExists(atPath: workloads) { try copyDefinitions(from: workloads, to: workloadsCopy) }
        try copyDefinitions(from: "\(directory)/workloads", to: workloadsCopy)
        let definition = try String(contentsOfFile: "\(directory)/agents/\(Self.agent).yaml", encoding: .utf8)
            .replacingOccurrences(of: "\n  directory: ..\n", with: "\n  directory: \(directory)\n")
        try definition.write(toFile: "\(agentsCopy)/\(Self.agent).yaml", atomically: true, encoding: .utf8)
        return (agentsCopy, workloadsCopy)
    }

    private func copyDefinitions(from source: String, to destination: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            try FileManager.default.copyItem(atPath: "\(source)/\(name)", toPath: "\(destination)/\(name)")
        }
    }
}
