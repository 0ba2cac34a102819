import BatonConfig
import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Hummingbird
import Logging
import Testing

@testable import BatonServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("Reloading the agents and connectors")
struct ReloadTests {
    static let janesRequest = "Show me 5 incidents assigned to me"

    @Test(
        "a broken file is refused by file and field and the old mesh answers; a fixed one is used by the next chain; a chain begun before finishes on its definitions; the ledger records the reload"
    )
    func reload() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let agents = try AgentRoutesTests.agents(
                in: directory.file("agents"), copying: ["concierge", "triage", "itsm", "workplace", "crm"], writing: [:])
            let configuration = AgentRoutesTests.configuration(sn, data: directory.file("data"), agents: agents)
            let file = try directory.write("baton.yaml", configuration.renderedYAML())
            let daemon = try BatonDaemon(
                configuration: configuration, logger: Logger(label: "test"), environment: ["BATON_SERVICENOW_URL": sn.url], configurationFile: file)
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try await sn.idp.signIn()
                func hops() async throws -> [String] {
                    let answer = try await AgentRoutesTests.invoke(base, token: jane, input: Self.janesRequest)
                    #expect(answer.status == 200, "\(answer.body)")
                    return (answer.json["hops"] as? [[String: Any]])?.compactMap { $0["agent"] as? String } ?? []
                }
                #expect(try await hops() == ["concierge", "triage", "itsm"])

                let triage = "\(agents)/triage.yaml"
                let original = try String(contentsOfFile: triage, encoding: .utf8)
                try original.replacingOccurrences(of: "max_steps: 4", with: "max_steps: lots").write(
                    toFile: triage, atomically: true, encoding: .utf8)
                guard case .refused(let reason) = await daemon.reload() else {
                    Issue.record("a broken definition was applied")
                    return
                }
                #expect(reason.hasPrefix("\(triage):") && reason.contains("limits.max_steps"), "\(reason)")
                #expect(try await hops() == ["concierge", "triage", "itsm"], "the old mesh keeps answering")

                // A chain that began before the reload holds its runtime: the definitions it started with.
                let begun = try #require(await daemon.agentRuntime())
                let fixed = original.replacingOccurrences(
                    of: "    - match: \"(?i)\\\\b(incidents?|tickets?|outages?|INC\\\\d{7})\\\\b\"\n      delegate: itsm\n",
                    with: "    - match: \"(?i)\\\\bincidents?\\\\b\"\n      answer: \"Triage answers this one itself since the reload.\"\n")
                #expect(fixed != original, "the test changes triage's rules")
                try fixed.write(toFile: triage, atomically: true, encoding: .utf8)
                guard case .applied(let summary) = await daemon.reload() else {
                    Issue.record("the fixed definitions were refused")
                    return
                }
                #expect(summary.contains("agents added: none; removed: none; changed: triage"), "\(summary)")
                #expect(try await hops() == ["concierge", "triage"], "the next chain runs on the new definitions")
                let inFlight = try await begun.invoke(agent: "concierge", input: Self.janesRequest, token: Secret(jane))
                #expect(inFlight.hops.map(\.agent) == ["concierge", "triage", "itsm"], "the chain begun before finishes on the old ones")

                let ledger = try #require(await daemon.storage.ledger())
                let reloads = try await LedgerQuery(kind: .admin, limit: 100).run(on: ledger.reader).entries.filter {
                    $0.operation == "config_reload"
                }
                #expect(reloads.count == 1, "one applied reload, one entry; the refused one changed nothing")
                let digest = try #require(AgentMesh.digests(of: [triage])[triage])
                #expect(reloads.first?.reason == "changed \(triage) sha256:\(digest)", "\(reloads.first?.reason ?? "")")
            }
        }
    }
}
