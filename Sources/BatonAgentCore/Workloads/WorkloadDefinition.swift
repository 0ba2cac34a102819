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
/// credential_providers:             # what GetResourceOauth2Token may ask for
///   - name: EntraIdServiceNow
///     flows: [ON_BEHALF_OF_TOKEN_EXCHANGE, M2M]
///     resources: [api://servicenow] # the audiences its scopes may name
///   - name: WeatherApiKey           # what GetResourceApiKey returns
///     api_key: ${WEATHER_API_KEY}
/// return_urls: [https://agent.example.com/oauth2/done]   # USER_FEDERATION's resourceOauth2ReturnUrl
/// ```
public struct WorkloadDefinition: Sendable {
    public struct AccessKey: Sendable {
        public var id: String
        public var secret: Secret
    }

    /// A credential provider the workload may use: an OAuth2 one (the flows and the
    /// resources allowed) or an API key one.
    public struct CredentialProvider: Sendable {
        public var name: String
        public var flows: Set<String>
        public var resources: Set<String>
        /// The key `GetResourceApiKey` returns; `nil` for an OAuth2 provider.
        public var apiKey: Secret?
    }

    public static let flows: Set<String> = ["ON_BEHALF_OF_TOKEN_EXCHANGE", "M2M", "USER_FEDERATION"]

    public var name: String
    public var agent: String
    public var accessKeys: [AccessKey]
    public var credentialProviders: [String: CredentialProvider]
    /// Where a `USER_FEDERATION` session may send the user's browser back to the app
    /// (`resourceOauth2ReturnUrl`, matched exactly; AWS's `allowedResourceOauth2ReturnUrls`).
    public var returnURLs: Set<String>
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
        credentialProviders = [:]
        for section in try root.sections("credential_providers") {
            let name: String = try section.requiredValue("name")
            guard (1...128).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
                throw section.invalid("name", "1 to 128 of A–Z, a–z, 0–9, - and _")
            }
            guard credentialProviders[name] == nil else { throw section.invalid("name", "'\(name)' is listed twice") }
            let apiKey: Secret? = try section.optionalValue("api_key")
            if let apiKey {
                guard !apiKey.revealed.isEmpty else { throw section.invalid("api_key", "the key is empty") }
                for key in ["flows", "resources"] where section.writtenKeys.contains(key) {
                    throw section.invalid(key, "an API key provider has no OAuth2 \(key)")
                }
                credentialProviders[name] = CredentialProvider(name: name, flows: [], resources: [], apiKey: apiKey)
                try section.finish()
                continue
            }
            let flows = Set(try section.list("flows", default: ["ON_BEHALF_OF_TOKEN_EXCHANGE"]))
            if let unknown = flows.subtracting(Self.flows).first {
                throw section.invalid("flows", "'\(unknown)' is not a flow (\(Self.flows.sorted().joined(separator: ", ")))")
            }
            let resources = Set(try section.list("resources", default: [String]()))
            guard !resources.isEmpty else { throw section.invalid("resources", "name the audiences this provider may exchange for") }
            credentialProviders[name] = CredentialProvider(name: name, flows: flows, resources: resources, apiKey: nil)
            try section.finish()
        }
        returnURLs = Set(try root.list("return_urls", default: [String]()))
        for url in returnURLs where URLComponents(string: url)?.scheme == nil || url.contains("#") {
            throw root.invalid("return_urls", "'\(url)' is not an absolute URL without a fragment")
        }
        try root.finish()
    }

    static func isValidName(_ name: String) -> Bool {
        (3...255).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }
}
