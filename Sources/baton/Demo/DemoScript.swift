import BatonDevKit
import BatonLedger
import BatonStorage
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The seed's story, told against a running ``DevStack``: Jane's incidents through the
/// agent chain, what ServiceNow hid from her, the HR partner's view, an update that names
/// Jane in ServiceNow, the audit chain and its verification.
struct DemoScript {
    let stack: DevStack.Running
    let tenantFile: String
    let print: @Sendable (String) -> Void

    func run() async throws {
        let tenant = try TenantOptions.load(file: tenantFile)
        let signIn = DevSignIn(tenant: tenant, idp: stack.endpoints.idp)
        let scope = "api://concierge/access_as_user"

        print("\n1. Jane signs in at the concierge: Token A, audience = the concierge's app.")
        let jane = try await signIn.token(user: "jane@contoso.com", scope: scope)

        let request = "Show me 5 incidents assigned to me"
        print("\n2. Jane asks the concierge: \"\(request)\"")
        let first = try await invoke(jane, request)
        print("   concierge → triage → itsm → ServiceNow, with a fresh On-Behalf-Of token at every hop:")
        for hop in first.hops {
            print(
                "     hop \(hop.hop)  \(hop.agent.padding(toLength: 9, withPad: " ", startingAt: 0))  token audience \(hop.audience)  (\(String(format: "%.1f", Double(hop.latency) / 1000)) ms)"
            )
        }
        print("   \(first.answer)")
        print(indent(AnswerPrinter.table(first.rows)))
        guard first.rows.count == 5 else { throw CommandFailure(message: "expected Jane's five incidents, got \(first.rows.count)") }

        guard let counts = await stack.emulator.visibility(of: "incident", forUserWithEmail: "jane@contoso.com") else {
            throw CommandFailure(message: "the emulator has no user jane@contoso.com")
        }
        print("\n3. What ServiceNow's ACLs kept from Jane (the emulator's admin view; counted, not shown):")
        print(
            "   \(counts.total) incidents exist; Jane may read \(counts.readable). \(counts.total - counts.readable) are hidden from her: \(counts.hidden.joined(separator: ", "))."
        )
        let leaked = ServiceNowSeed.hiddenFromJane.filter { number in first.rows.contains { $0["number"] as? String == number } }
        guard leaked.isEmpty else { throw CommandFailure(message: "Jane was shown \(leaked.joined(separator: ", "))") }

        print("\n4. Harriet, an HR partner, asks the same. ServiceNow shows her the HR incidents Jane cannot see:")
        let harriet = try await invoke(try await signIn.token(user: "harriet@contoso.com", scope: scope), request)
        print(indent(AnswerPrinter.table(harriet.rows)))
        let hr = harriet.rows.filter {
            ($0["short_description"] as? String ?? "").contains("Employee complaint") || ($0["short_description"] as? String ?? "").contains("Salary")
        }
        guard !hr.isEmpty else { throw CommandFailure(message: "Harriet should see the HR incidents") }

        let update = "Set INC0012389 to in progress"
        print("\n5. Jane asks: \"\(update)\"")
        let updated = try await invoke(jane, update)
        let updatedBy = (updated.data?["sys_updated_by"] as? String) ?? ""
        print(
            "   \(updated.answer) In ServiceNow: state = \(AnswerPrinter.text(updated.data?["state"])), sys_updated_by = \(updatedBy) — Jane herself, not a service account."
        )
        guard updatedBy == "jane.smith" else { throw CommandFailure(message: "sys_updated_by is '\(updatedBy)', not jane.smith") }

        guard let ledger = await stack.daemon.storage.ledger() else { throw CommandFailure(message: "the ledger is not open") }
        let entries = try await LedgerQuery(chainID: first.chainID, limit: 1_000).run(on: ledger.reader).entries
        print("\n6. The audit ledger's record of Jane's request (baton audit chain \(first.chainID)):")
        print(indent(ChainTree(entries: entries).rendered))
        let named = entries.allSatisfy { $0.user?.username == "jane@contoso.com" }
        print("   \(entries.count) entries; every one names jane@contoso.com: \(named ? "yes" : "NO")")

        try await runAgentCoreAgent(signIn: signIn, request: request, ledger: ledger.reader)

        try await ledger.writer.checkpoint()
        let signer = try CheckpointSigner.load(from: try DataDirectory.prepare(stack.dataDirectory))
        let report = try await LedgerVerifier(records: ledger.reader.records, publicKey: signer.publicKey).verify()
        print(
            "\n8. baton audit verify: \(report.entries) entries, \(report.checkpoints) signed checkpoint(s) — \(report.isIntact ? "intact" : "NOT intact: \(report.problems)")"
        )
        guard report.isIntact, named else { throw CommandFailure(message: "the audit ledger is not intact or does not name Jane throughout") }
    }

    /// The seed's own Strands agent, run by Baton on the AgentCore runtime contract (when
    /// the stack could add it): the same question, the same five incidents, and the chain
    /// that shows its workload token, its exchange and its call to ServiceNow.
    private func runAgentCoreAgent(signIn: DevSignIn, request: String, ledger: LedgerReader) async throws {
        guard let agent = stack.endpoints.agentcoreAgent else {
            print(
                "\n7. (The seed's own Strands agent on AgentCore's runtime contract runs here once scripts/interop-clients has built .venv/agentcore.)"
            )
            return
        }
        print("\n7. The seed's own Strands agent (examples/agentcore, unchanged AgentCore code) asked the same, with Token A for its app:")
        let token = try await signIn.token(user: "jane@contoso.com", scope: "api://\(agent)/access_as_user")
        let answer = try await invoke(token, request, agent: agent)
        print(indent(answer.answer))
        let missing = ServiceNowSeed.janesOpenIncidents.filter { !answer.answer.contains($0) }
        let leaked = ServiceNowSeed.hiddenFromJane.filter { answer.answer.contains($0) }
        guard missing.isEmpty, leaked.isEmpty else {
            throw CommandFailure(message: "the AgentCore agent's answer lacks \(missing) or shows \(leaked): \(answer.answer)")
        }
        let entries = try await LedgerQuery(chainID: answer.chainID, limit: 1_000).run(on: ledger).entries
        print("   Its chain: the door, the workload access token, the app's own OBO exchange and its ServiceNow call, each naming Jane:")
        print(indent(ChainTree(entries: entries).rendered))
    }

    // MARK: - Talking to the daemon

    struct Answer {
        var answer: String
        var data: [String: Any]?
        var chainID: String
        var hops: [(hop: Int, agent: String, audience: String, latency: Int)]

        /// The first list in the data (incidents), or the data itself as one row.
        var rows: [[String: Any]] {
            if let data, let list = data.values.compactMap({ $0 as? [[String: Any]] }).first { return list }
            return data.map { [$0] } ?? []
        }
    }

    func invoke(_ token: String, _ input: String, agent: String = "concierge") async throws -> Answer {
        var request = URLRequest(url: URL(string: "\(stack.endpoints.baton)/v1/agents/\(agent)/invoke")!, timeoutInterval: 120)
        request.httpMethod = "POST"
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["input": input])
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            let error = object["error"] as? [String: Any]
            throw CommandFailure(
                message: "\(agent) refused \"\(input)\": \(error?["message"] as? String ?? String(decoding: data, as: UTF8.self))")
        }
        let hops = (object["hops"] as? [[String: Any]] ?? []).map {
            (
                hop: $0["hop"] as? Int ?? 0, agent: $0["agent"] as? String ?? "", audience: $0["audience"] as? String ?? "",
                latency: $0["latency_us"] as? Int ?? 0
            )
        }
        return Answer(
            answer: object["answer"] as? String ?? "", data: object["data"] as? [String: Any], chainID: object["chain_id"] as? String ?? "",
            hops: hops)
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "   " + $0 }.joined(separator: "\n")
    }
}
