import BatonConfig
import BatonCore
import Foundation

/// One `workloads/<name>.yaml` file: an AgentCore workload identity — an agent process
/// Baton lets ask for tokens — the Baton agent whose app registration it acts as, and the
/// access keys it signs its requests with (SigV4).
///
/// ```yaml
/// name: servicenow-agent            # the workloadName the SDK sends
/// agent: itsm                       # tokens are exchanged as this agent's app
/// access_keys:
///   - id: AKIABATONDEVITSM00001
///     secret: ${BATON_AGENTCORE_ITSM_SECRET:-itsm-agentcore-dev-secret}
/// ```
public struct WorkloadDefinition: Sendable {
    public struct AccessKey: Sendable {
        public var id: String
        public var secret: Secret
    }

    public var name: String
    public var agent: String
    public var accessKeys: [AccessKey]
    public var file: String

    public static func load(file path: String, environment: [String: String]) throws(ConfigError) -> WorkloadDefinition {
        let document = try ConfigDocument.definition(file: path, kind: "workload", environment: environment)
        return try WorkloadDefinition(root: document.rootSection(), file: path)
    }

    init(root: ConfigSection, file: String) throws(ConfigError) {
        self.file = file
        name = try root.requiredValue("name")
        guard Self.isValidName(name) else { throw root.invalid("name", "3 to 255 of A–Z, a–z, 0–9, _, - and . (AgentCore's workload names)") }
        agent = try root.requiredValue("agent")
        guard !agent.isEmpty else { throw root.invalid("agent", "name the Baton agent whose app this workload acts as") }
        accessKeys = []
        for section in try root.sections("access_keys") {
            let id: String = try section.requiredValue("id")
            guard id.count >= 16, id.count <= 128, id.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                throw section.invalid("id", "an access key id: 16 to 128 upper-case letters and digits, e.g. AKIABATONDEVITSM00001")
            }
            let secret: String = try section.requiredValue("secret")
            guard secret.count >= 16 else { throw section.invalid("secret", "at least 16 characters") }
            accessKeys.append(AccessKey(id: id, secret: Secret(secret)))
            try section.finish()
        }
        guard !accessKeys.isEmpty else { throw root.invalid("access_keys", "a workload needs at least one access key to sign with") }
        try root.finish()
    }

    static func isValidName(_ name: String) -> Bool {
        (3...255).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }
}
