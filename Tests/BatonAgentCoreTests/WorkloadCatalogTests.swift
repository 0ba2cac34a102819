import BatonConfig
import BatonTestSupport
import Foundation
import Testing

@testable import BatonAgentCore

@Suite("Workload identities: one YAML file each, errors naming the file and the field")
struct WorkloadCatalogTests {
    static func load(_ files: [String: String]) throws(ConfigError) -> WorkloadCatalog {
        let directory = try! TemporaryDirectory()
        for (name, yaml) in files { try! yaml.write(toFile: directory.file(name), atomically: true, encoding: .utf8) }
        return try WorkloadCatalog.load(directory: directory.path, environment: ["SECRET": "from-the-environment-1234"], agents: ["itsm", "crm"])
    }

    @Test("the shipped workload loads; access keys map to their workload and secret, ${VAR} read from the environment")
    func loads() throws {
        let shipped = try WorkloadCatalog.load(directory: RepositoryPaths.path("workloads"), environment: [:], agents: ["itsm"])
        #expect(shipped.workloads["servicenow-agent"]?.agent == "itsm")
        #expect(shipped.owner(ofAccessKey: "AKIABATONDEVSNOW0001")?.workload == "servicenow-agent")
        let catalog = try Self.load(["a.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: ${SECRET}\n"])
        #expect(catalog.owner(ofAccessKey: "AKIABATONTESTA00001")?.secret.revealed == "from-the-environment-1234")
        #expect(catalog.owner(ofAccessKey: "AKIAUNKNOWN00000000") == nil)
    }

    @Test(
        "refused with the file and field: a bad name, an unknown agent, no access keys, a short secret, a bad key id, an API key provider with OAuth2 flows, a key id used twice, a name used twice",
        arguments: [
            (["a.yaml": "name: a b\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\n"], "name"),
            (["a.yaml": "name: a-agent\nagent: hr\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\n"], "agent"),
            (["a.yaml": "name: a-agent\nagent: crm\n"], "access_keys"),
            (["a.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: short\n"], "secret"),
            (["a.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: akia-lower\n    secret: 0123456789abcdef\n"], "id"),
            (
                [
                    "a.yaml":
                        "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\ncredential_providers:\n  - name: Key\n    api_key: k-123\n    flows: [M2M]\n"
                ], "credential_providers[0].flows"
            ),
            (
                [
                    "a.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\n",
                    "b.yaml": "name: b-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\n",
                ], "access_keys"
            ),
            (
                [
                    "a.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTA00001\n    secret: 0123456789abcdef\n",
                    "b.yaml": "name: a-agent\nagent: crm\naccess_keys:\n  - id: AKIABATONTESTB00001\n    secret: 0123456789abcdef\n",
                ], "name"
            ),
        ])
    func refusals(files: [String: String], field: String) {
        do {
            _ = try Self.load(files)
            Issue.record("\(files) loaded")
        } catch {
            #expect(error.description.contains(".yaml") && error.description.contains(field), "\(error.description)")
        }
    }
}
