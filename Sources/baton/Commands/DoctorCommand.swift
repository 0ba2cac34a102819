import ArgumentParser
import BatonAgents
import BatonConnectors
import BatonCore
import BatonIdentity
import Foundation

/// `baton doctor`: diagnose why a downstream refuses the tokens Baton sends it.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Diagnose why a downstream refuses the user's tokens.",
        subcommands: [ServiceNow.self]
    )

    struct ServiceNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "servicenow",
            abstract: "Explain why ServiceNow won't accept the token from Entra, one sentence and fix per failure.",
            discussion: """
                Obtains the token the connector would send — the user signs in at the front door and the token is \
                exchanged (On-Behalf-Of) along the delegation path to the agent that owns the connector, then for \
                the connector's audience — decodes its claims (the token itself is never printed), checks them against \
                what the instance's OIDC inbound integration expects (the connector's oidc: section, or the emulator's \
                own settings), then calls the Table API. Exit status 1 when a check fails.
                """
        )

        @Option(name: .long, help: "The connector to check.")
        var connector = "servicenow"

        @Option(name: .long, help: "The agent whose credentials exchange for the connector (default: the first that lists it).")
        var agent: String?

        @OptionGroup var credentials: UserTokenOptions

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let stack = credentials.runningStack.map { ["BATON_SERVICENOW_URL": $0.servicenow] } ?? [:]
                let (configuration, connectors, agents) = try options.loadDefinitions(defaults: stack)
                guard let definition = connectors.definitions[connector], definition.kind == .servicenow else {
                    throw CommandFailure(message: "no ServiceNow connector is named '\(connector)' in \(configuration.connectors.directory)")
                }
                guard let owner = agent.map({ agents.definition(named: $0) }) ?? agents.ordered.first(where: { $0.grant(for: connector) != nil })
                else {
                    throw CommandFailure(message: "no agent lists the connector '\(connector)'; pass --agent")
                }
                guard let frontDoor = agents.frontDoor else { throw CommandFailure(message: "no front-door agent is defined") }
                guard let path = Self.path(from: frontDoor.id, to: owner.id, in: agents) else {
                    throw CommandFailure(message: "\(owner.id) cannot be reached from \(frontDoor.id) through declared delegations")
                }
                let authority =
                    credentials.token == nil
                    ? credentials.identityProvider
                    : (configuration.identity.issuers.first { $0.kind == .entra }?.authority ?? "https://login.microsoftonline.com")
                var current = Secret(
                    try await credentials.token(scope: "\(frontDoor.resource)/\(frontDoor.acceptedScopes.sorted().first ?? "access_as_user")"))
                let tenantID = try Self.tenant(of: current)
                print("token path: user → \(path.map(\.rawValue).joined(separator: " → ")) → \(connector) (\(definition.audience))")
                for (caller, callee) in zip(path, path.dropFirst()) {
                    current = try await exchange(
                        current, by: agents[caller]!, for: agents[callee]!.resource, scopes: agents[caller]!.delegation(to: callee)!.scopes,
                        authority: authority, tenantID: tenantID)
                }
                let grant = owner.grant(for: connector)!
                current = try await exchange(
                    current, by: owner, for: definition.audience, scopes: grant.scopes.isEmpty ? definition.scopes : grant.scopes,
                    authority: authority,
                    tenantID: tenantID)

                let doctor = ServiceNowDoctor(baseURL: definition.baseURL)
                // The connector's oidc: section, else what `baton dev up` configured its emulator with.
                let expectation = definition.expectedInbound ?? credentials.runningStack?.servicenowOIDC
                let findings = await doctor.diagnose(token: current, expectation: expectation)
                for finding in findings {
                    print("\(finding.outcome.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(finding.check): \(finding.explanation)")
                }
                let failed = findings.filter { $0.outcome == .fail }
                guard failed.isEmpty else {
                    throw CommandFailure(message: "\(failed.count) check(s) failed: \(failed.map(\.check).joined(separator: ", "))")
                }
                print("ServiceNow accepts the token.")
            }
        }

        private func exchange(_ token: Secret, by agent: AgentDefinition, for resource: String, scopes: ScopeSet, authority: String, tenantID: String)
            async throws -> Secret
        {
            guard let credential = agent.credential else { throw CommandFailure(message: "\(agent.id) has no credential here (it is remote)") }
            let client = ExchangeClient(
                clientID: agent.clientID, credential: credential,
                tokenEndpoint: agent.tokenEndpoint ?? EntraEndpoints.tokenEndpoint(authority: authority, tenant: tenantID))
            do {
                return try await OnBehalfOfExchanger().exchange(
                    ExchangeRequest(subjectToken: token, client: client, resource: resource, scopes: scopes)
                )
                .accessToken
            } catch {
                throw CommandFailure(message: "\(agent.id) could not exchange the token for \(resource): \(error)")
            }
        }

        /// The shortest chain of declared delegations from `start` to `goal`.
        static func path(from start: AgentID, to goal: AgentID, in agents: AgentCatalog) -> [AgentID]? {
            var queue = [[start]]
            var seen: Set<AgentID> = [start]
            while !queue.isEmpty {
                let path = queue.removeFirst()
                if path.last == goal { return path }
                for delegate in agents[path.last!]?.delegates ?? [] where seen.insert(delegate.agent).inserted {
                    queue.append(path + [delegate.agent])
                }
            }
            return nil
        }

        static func tenant(of token: Secret) throws -> String {
            guard let jws = try? CompactJWS(parsing: token.revealed), let tid = jws.claims["tid"]?.stringValue else {
                throw CommandFailure(message: "the token is not a JWT with a tid claim")
            }
            return tid
        }
    }
}
