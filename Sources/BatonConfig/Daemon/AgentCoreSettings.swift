/// `agentcore:` — the AgentCore Identity-compatible data plane, off by default.
///
/// ```yaml
/// agentcore:
///   enabled: true
///   region: us-east-1     # the region clients sign for (AWS_REGION)
///   dir: workloads        # workload identities: *.yaml, one per workload
///   workload_token_lifetime: 15m
/// ```
public struct AgentCoreSettings: Sendable, Equatable {
    public var enabled: Bool
    public var region: String
    /// The directory of `*.yaml` workload identity definitions. Default `workloads`.
    public var directory: String
    /// How long a workload access token is good for. Default 15 minutes.
    public var workloadTokenLifetime: Duration

    public init(enabled: Bool = false, region: String = "us-east-1", directory: String = "workloads", workloadTokenLifetime: Duration = .seconds(900))
    {
        self.enabled = enabled
        self.region = region
        self.directory = directory
        self.workloadTokenLifetime = workloadTokenLifetime
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
        workloadTokenLifetime = try section.value("workload_token_lifetime", default: defaults.workloadTokenLifetime)
        guard workloadTokenLifetime > .zero, workloadTokenLifetime <= .seconds(86_400) else {
            throw section.invalid("workload_token_lifetime", "between 1s and 24h")
        }
        try section.finish()
    }
}
