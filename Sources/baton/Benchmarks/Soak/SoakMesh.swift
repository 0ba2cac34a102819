import Foundation

/// The shipped agent mesh, copied for `baton bench soak` with one change: triage may hand
/// a request back to the concierge ("loop …"), so that such a request is a delegation the
/// policy refuses as a cycle — a denied delegation in the soak's mix, on the shipped agents.
enum SoakMesh {
    /// The phrase that makes triage delegate back to the concierge.
    static let loopRequest = "Loop this ticket back to the concierge"

    /// Writes the mesh to `directory/agents` and returns that path.
    static func write(from shipped: String, into directory: String) throws -> String {
        let agents = (directory as NSString).appendingPathComponent("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped) where name.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: (shipped as NSString).appendingPathComponent(name), encoding: .utf8)
            if name == "triage.yaml" { text = try loopingTriage(text) }
            try text.write(toFile: (agents as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return agents
    }

    /// Triage with the concierge among its delegates and a first rule sending "loop" there.
    static func loopingTriage(_ text: String) throws -> String {
        let delegates = "delegates:\n  - agent: itsm\n    scopes: [access_as_user]\n"
        let rules = "  rules:\n"
        guard text.contains(delegates), text.contains(rules) else {
            throw CommandFailure(message: "the shipped triage.yaml changed shape; update SoakMesh to add the looping rule")
        }
        return
            text
            .replacingOccurrences(of: delegates, with: delegates + "  - agent: concierge\n    scopes: [access_as_user]\n")
            .replacingOccurrences(of: rules, with: rules + "    - match: \"(?i)\\\\bloop\\\\b\"\n      delegate: concierge\n")
    }
}
