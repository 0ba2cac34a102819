/// `agentcore:` — the AgentCore Identity-compatible data plane, off by default.
///
/// ```yaml
/// agentcore:
///   enabled: true
///   region: us-east-1     # the region clients sign for (AWS_REGION)
///   dir: workloads        # workload identities: *.yaml, one per workload
/// ```
public struct AgentCoreSettings: Sendable, Equatable {
    public var enabled: Bool
    public var region: String
    /// The directory of `*.yaml` workload identity definitions. Default `workloads`.
    public var directory: String

    public init(enabled: Bool = false, region: String = "us-east-1", directory: String = "workloads") {
        self.enabled = enabled
        self.region = region
        self.directory = directory
    }

    init(section: ConfigSection) throws(ConfigError) {
        let defaults = AgentCoreSettings()
        enabled = try section.value("enabled", default: defaults.enabled)
        region = try section.value("region", default: defaults.region)
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw section.invalid("region", "an AWS region name, e.g. us-east-1")
        }
        directory = try section.value("dir", default: defaults.directory)
        guard !directory.isEmpty else { throw section.invalid("dir", "must not be empty") }
        try section.finish()
    }
}
