import ArgumentParser
import BatonConfig
import Foundation
import Logging

/// `--user U [--idp URL] [--tenant F]` or `--token T`: how a command gets a user's token.
struct UserTokenOptions: ParsableArguments {
    @Option(name: .long, help: "Sign this dev user in at the dev identity provider.")
    var user: String?

    @Option(name: .long, help: "A bearer token for the agent (instead of --user).")
    var token: String?

    @Option(
        name: .long,
        help: "The dev identity provider's base URL (with --user; default: the running `baton dev up` stack's, else http://127.0.0.1:9400).")
    var idp: String?

    @Option(name: .long, help: "The dev tenant file (with --user).")
    var tenant = "dev/tenant.yaml"

    @Option(name: .long, help: "Where a running `baton dev up` wrote endpoints.json.")
    var dataDir = "./.baton"

    func validate() throws {
        guard (user == nil) != (token == nil) else { throw ValidationError("give exactly one of --user or --token") }
    }

    /// The stack `baton dev up` runs with `--data-dir`, if any.
    var runningStack: DevStack.Endpoints? { RunningStack.endpoints(dataDirectory: dataDir) }

    /// The dev identity provider: `--idp`, else the running stack's, else the default port.
    var identityProvider: String { idp ?? runningStack?.idp ?? "http://127.0.0.1:9400" }

    /// The given token, or the dev user's, signed in for `scope`.
    func token(scope: String) async throws -> String {
        if let token { return token }
        return try await DevSignIn(tenant: try TenantOptions.load(file: tenant), idp: identityProvider).token(user: user ?? "", scope: scope)
    }
}

/// `--tenant`, `--agents`, `--connectors`: the files of the local stack (`demo`, `dev up`, `bench chain`).
struct StackOptions: ParsableArguments {
    @Option(name: .long, help: "The dev tenant file.")
    var tenant = "dev/tenant.yaml"

    @Option(name: .long, help: "The agent definitions.")
    var agents = "agents"

    @Option(name: .long, help: "The connector definitions.")
    var connectors = "connectors"

    @Option(name: .long, help: "The rules of `baton dev model`, the offline Bedrock and OpenAI-compatible model the stack runs.")
    var modelRules = "dev/model.yaml"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The AgentCore example (the seed's Strands agent) the stack adds when a Python with bedrock-agentcore and strands is found.",
            discussion: "That Python is BATON_AGENTCORE_PYTHON, or .venv/agentcore/bin/python (scripts/interop-clients builds it)."))
    var agentcoreExample = "examples/agentcore"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send the daemon's OpenTelemetry traces to this OTLP/HTTP URL (…/v1/traces), such as a local Jaeger's http://localhost:4318/v1/traces.",
            valueName: "url"))
    var otlpEndpoint: String?

    @Flag(
        name: .long,
        help:
            "Serve the ServiceNow emulator over HTTPS with the dev CA (DATA_DIR/dev-idp/ca.pem, named as `ca` in endpoints.json), as pysnc requires.")
    var https = false

    func stack(dataDirectory: String, logger: Logger) -> DevStack {
        var stack = DevStack(
            dataDirectory: dataDirectory, tenantFile: tenant, agentsDirectory: agents, connectorsDirectory: connectors, logger: logger,
            modelRules: modelRules, agentCoreExample: AgentCoreExample.find(at: agentcoreExample))
        // Spans sent within a second: a developer looks at the trace right after the chain.
        stack.tracing = otlpEndpoint.map { TracingSettings(enabled: true, endpoint: $0, exportDelay: .seconds(1)) }
        stack.https = https
        return stack
    }
}
