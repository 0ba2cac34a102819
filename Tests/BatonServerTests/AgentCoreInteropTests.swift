import BatonConfig
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonServer

@Suite("AgentCore Identity: the bedrock-agentcore SDK against Baton's data plane")
struct AgentCoreInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Interop/agentcore_identity_client.py")
        .path

    @Test(
        "IdentityClient, with only environment variables set, gets a workload access token bound to Jane's token and one of the workload's own; another workload's, an unknown one, a user id, a token for another audience, a wrong secret and another region are refused with the AWS error boto3 expects"
    )
    func identityClient() async throws {
        let python = try InteropPython.agentcore()
        let directory = try TemporaryDirectory()
        let workloads = directory.file("workloads")
        try FileManager.default.createDirectory(atPath: workloads, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: RepositoryPaths.path("workloads/servicenow-agent.yaml"), toPath: "\(workloads)/servicenow-agent.yaml")
        try """
        name: crm-agent
        agent: crm
        access_keys:
          - id: AKIABATONTESTCRM0001
            secret: crm-agent-test-secret-key
        credential_providers:
          - name: CrmApiKey
            api_key: crm-test-api-key-0123456789
          - name: SalesforceApp
            flows: [M2M]
            resources: [api://salesforce]
        """.write(toFile: "\(workloads)/crm-agent.yaml", atomically: true, encoding: .utf8)
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data")) {
                $0.agentcore = AgentCoreSettings(enabled: true, region: "us-east-1", directory: workloads, workloadTokenLifetime: .seconds(3))
            }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
                let (status, output) = try await InteropSlot.exclusive {
                    try await ChildProcess.run(
                        python, [Self.script],
                        environment: [
                            "BEDROCK_AGENTCORE_DP_ENDPOINT": "\(base)/agentcore", "AWS_REGION": "us-east-1",
                            "AWS_ACCESS_KEY_ID": "AKIABATONDEVSNOW0001",
                            "AWS_SECRET_ACCESS_KEY": "servicenow-agent-dev-secret-key", "WORKLOAD": "servicenow-agent", "OTHER_WORKLOAD": "crm-agent",
                            "USER_TOKEN": try await sn.idp.signIn(
                                scope: "api://itsm/access_as_user", extra: ["client_id": sn.idp.app("mcp-client").appID]),
                            "WRONG_AUDIENCE_TOKEN": try await sn.idp.signIn(), "OTHER_ACCESS_KEY": "AKIABATONTESTCRM0001",
                            "OTHER_SECRET_KEY": "crm-agent-test-secret-key", "SERVICENOW_URL": sn.url,
                            "SERVICENOW_APP": sn.idp.app("servicenow").appID,
                            "JANE_OID": jane.oid, "OTHER_API_KEY": "crm-test-api-key-0123456789",
                            "SALESFORCE_APP": sn.idp.app("salesforce").appID, "CRM_APP": sn.idp.app("crm").appID,
                        ])
                }
                #expect(status == 0, "\(output)")
                for check in [
                    "for jwt ok", "workload ok", "obo ok", "servicenow ok 5", "provider refused ok", "another workload's token refused ok",
                    "expired refused ok", "wrong audience refused ok", "another workload refused ok", "unknown workload refused ok",
                    "api key ok", "m2m ok", "provider kinds refused ok", "by user id refused ok", "bad signature refused ok",
                    "bad signature with a workload token refused ok",
                    "foreign region refused ok",
                ] {
                    #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
                }
                #expect(!output.contains("eyJ"), "no token is printed")

                // The exchange is a chain of Jane's; the refusals that concern her are her denials.
                let reader = try #require(await daemon.storage.ledger()).reader
                let exchanges = try await LedgerQuery(kind: .exchange, limit: 100).run(on: reader).entries.filter { $0.target == "EntraIdServiceNow" }
                #expect(exchanges.count == 1 && exchanges.first?.user?.objectID == jane.oid && exchanges.first?.agent == "itsm", "\(exchanges)")
                let chain = try await LedgerQuery(chainID: try #require(exchanges.first?.chainID), limit: 10).run(on: reader).entries
                #expect(
                    chain.map(\.kind) == [.inbound, .exchange] && chain.first?.operation == "agentcore GetResourceOauth2Token", "\(chain.map(\.kind))"
                )
                // The app's own token and the API key: app-only exchanges, fingerprints only.
                let appOnly = try await LedgerQuery(kind: .exchange, limit: 100).run(on: reader).entries.filter { $0.agent == "crm" }
                #expect(
                    Set(appOnly.compactMap(\.operation)) == ["agentcore GetResourceOauth2Token M2M", "agentcore GetResourceApiKey"], "\(appOnly)")
                #expect(appOnly.allSatisfy { $0.user == nil && $0.tokenFingerprint != nil }, "\(appOnly)")
                #expect(appOnly.first { $0.target == "SalesforceApp" }?.resource == "app:\(sn.idp.app("crm").appID)")
                let denials = try await LedgerQuery(kind: .deny, limit: 100).run(on: reader).entries
                #expect(
                    Set(denials.compactMap(\.reason)).isSuperset(of: [
                        "provider_not_allowed", "workload_token_mismatch", "workload_token_expired", "signature_invalid",
                    ]), "\(denials.map(\.reason))")
                #expect(denials.allSatisfy { $0.user?.objectID == jane.oid })
            }
        }
    }

    static let federationScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Interop/agentcore_user_federation.py").path

    @Test(
        "USER_FEDERATION: the SDK's get_token sends Jane to the IdP's sign-in page (PKCE, her login hint), Baton's callback redeems the code and releases her token; the grant is kept; with a return URL, CompleteResourceTokenAuth binds the session; another user binding it, or signing in for it, gets nothing and is Jane's denial"
    )
    func userFederation() async throws {
        let python = try InteropPython.agentcore()
        let directory = try TemporaryDirectory()
        let workloads = directory.file("workloads")
        try FileManager.default.createDirectory(atPath: workloads, withIntermediateDirectories: true)
        try """
        name: federated-agent
        agent: itsm
        access_keys:
          - id: AKIABATONTESTFED0001
            secret: federated-agent-test-secret
        credential_providers:
          - name: ServiceNowUserConsent
            flows: [USER_FEDERATION]
            resources: [api://servicenow]
        return_urls: [http://127.0.0.1:9/done]
        """.write(toFile: "\(workloads)/federated-agent.yaml", atomically: true, encoding: .utf8)
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data")) {
                $0.agentcore = AgentCoreSettings(enabled: true, region: "us-east-1", directory: workloads)
            }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try #require(sn.idp.tenant.user(username: "jane@contoso.com"))
                let itsm = ["client_id": sn.idp.app("mcp-client").appID]
                let (status, output) = try await InteropSlot.exclusive {
                    try await ChildProcess.run(
                        python, [Self.federationScript],
                        environment: [
                            "BEDROCK_AGENTCORE_DP_ENDPOINT": "\(base)/agentcore", "AWS_REGION": "us-east-1",
                            "AWS_ACCESS_KEY_ID": "AKIABATONTESTFED0001",
                            "AWS_SECRET_ACCESS_KEY": "federated-agent-test-secret", "WORKLOAD": "federated-agent",
                            "PROVIDER": "ServiceNowUserConsent",
                            "SCOPE": "api://servicenow/user_impersonation",
                            "USER_TOKEN": try await sn.idp.signIn(scope: "api://itsm/access_as_user", extra: itsm),
                            "OTHER_USER_TOKEN": try await sn.idp.signIn("harriet@contoso.com", scope: "api://itsm/access_as_user", extra: itsm),
                            "JANE_PASSWORD": "jane-dev-password", "HARRIET_PASSWORD": "harriet-dev-password",
                            "RESOURCE_APP": sn.idp.app("servicenow").appID, "JANE_OID": jane.oid,
                        ])
                }
                #expect(status == 0, "\(output)")
                for check in [
                    "federation ok", "grant kept ok", "federation with return url ok", "unregistered return url refused ok",
                    "binding another user refused ok", "another user at the idp refused ok",
                ] {
                    #expect(output.contains(check), "missing '\(check)' in:\n\(output)")
                }
                #expect(!output.contains("eyJ"), "no token is printed")

                let reader = try #require(await daemon.storage.ledger()).reader
                let granted = try await LedgerQuery(kind: .exchange, limit: 100).run(on: reader).entries
                    .filter { $0.operation == "agentcore GetResourceOauth2Token USER_FEDERATION" }
                // Signed in without a return URL, handed out again from memory, signed in with one: each recorded.
                #expect(granted.map(\.tokenSource) == ["idp", "hot", "idp"], "\(granted.map(\.tokenSource))")
                #expect(granted.count == 3 && granted.allSatisfy { $0.user?.objectID == jane.oid && $0.tokenFingerprint != nil }, "\(granted)")
                let denials = try await LedgerQuery(kind: .deny, limit: 100).run(on: reader).entries.filter {
                    $0.reason == "federation_user_mismatch"
                }
                #expect(denials.count == 2 && denials.allSatisfy { $0.user?.objectID == jane.oid }, "\(denials)")
            }
        }
    }
}
