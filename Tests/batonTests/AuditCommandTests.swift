import BatonCore
import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

@Suite("baton audit, and the ledger under SIGKILL", .serialized)
struct AuditCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private var environment: [String: String] { ["BATON_STORAGE_DATA_DIR": directory.file("data")] }

    @Test("a process appending under load is killed with SIGKILL: every acknowledged append is present and the ledger verifies")
    func crash() async throws {
        let load = BatonProcess(
            ["bench", "ledger", "--data-dir", directory.file("data"), "--appends", "10000000", "--tasks", "32", "--report-acks"],
            environment: environment)
        try load.start()
        let deadline = ContinuousClock.now + .seconds(120)
        while load.standardOutput.split(separator: "\n").count < 3_000, ContinuousClock.now < deadline, load.isRunning {
            try await Task.sleep(for: .milliseconds(20))
        }
        await load.kill()
        let acknowledged = load.standardOutput.split(separator: "\n").compactMap { line in line.hasPrefix("acked ") ? Int64(line.dropFirst(6)) : nil }
        #expect(acknowledged.count >= 3_000, "\(load.standardError)")
        let highest = try #require(acknowledged.max())

        let data = try DataDirectory.prepare(directory.file("data"))
        let database = try LedgerStore.openEntries(in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        let stored = try await database.read { db in try Set(Int64.fetchAll(db, sql: "SELECT seq FROM ledger_entries")) }
        #expect(Set(acknowledged).isSubset(of: stored), "an acknowledged append was lost")
        #expect(stored.max()! >= highest)
        let report = try await LedgerVerifier(
            records: SQLiteLedgerRecords(database: database), publicKey: try CheckpointSigner.load(from: data).publicKey
        ).verify()
        #expect(report.isIntact, "\(report.problems)")

        let verify = BatonProcess(["audit", "verify"], environment: environment)
        #expect(try await verify.run() == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("intact"))
    }

    @Test("list, what, who, chain and checkpoints answer from the ledger; verify names the first bad entry")
    func commands() async throws {
        let data = try DataDirectory.prepare(directory.file("data"))
        let database = try LedgerStore.openEntries(in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        let writer = try await LedgerWriter.open(store: SQLiteLedgerRecords(database: database), signer: try CheckpointSigner.load(from: data))
        let jane = ChainUser(
            tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com")
        let chain = "0193a4b2-5f00-7000-8000-00000000c0de"
        let path = ["concierge", "triage", "itsm"]
        let steps: [(Int, String, LedgerEventKind, String?, String?)] = [
            (0, "concierge", .inbound, nil, nil), (1, "triage", .delegate, "triage", nil), (2, "itsm", .delegate, "itsm", nil),
            (3, "itsm", .downstream, "servicenow", "servicenow:incident/INC0012345"),
        ]
        for (hop, agent, kind, target, resource) in steps {
            try await writer.append(
                LedgerEntry(
                    chainID: chain, hop: hop, parentHop: hop == 0 ? nil : hop - 1, kind: kind, user: jane, agent: agent,
                    actorPath: Array(path.prefix(max(hop, 1))),
                    target: target, resource: resource, operation: resource == nil ? nil : "GET /api/now/table/incident", status: 200,
                    decision: .allowed,
                    tokenSource: "idp", latencyMicroseconds: 2_500))
        }
        try await writer.checkpoint()
        // The index covers the first three entries; the CLI reads the fourth from its record.
        let index = try LedgerStore.openIndex(in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        #expect(
            try await LedgerIndexer.open(records: SQLiteLedgerRecords(database: database), index: SQLiteLedgerIndex(database: index)).catchUp() == 4)
        try await index.write { db in
            try db.execute(sql: "DELETE FROM ledger_index WHERE seq = 4; UPDATE ledger_index_state SET indexed_through = 3")
        }

        func run(_ arguments: [String]) async throws -> BatonProcess {
            let process = BatonProcess(arguments, environment: environment)
            _ = try await process.run()
            return process
        }
        #expect(try await run(["audit", "list", "--user", "jane@contoso.com"]).standardOutput.split(separator: "\n").count == 5)
        let json = try await run(["audit", "list", "--kind", "downstream", "--format", "json"]).standardOutput
        #expect(json.contains(#""resource":"servicenow:incident/INC0012345""#))
        #expect(try await run(["audit", "list", "--format", "csv"]).standardOutput.hasPrefix("seq,time,chain"))
        #expect(try await run(["audit", "what", "--user", "jane@contoso.com", "--since", "1h"]).standardOutput.contains("INC0012345"))
        let who = try await run(["audit", "who", "--resource", "servicenow:incident/INC0012345"]).standardOutput
        #expect(who.contains("jane@contoso.com") && who.contains("concierge → triage → itsm"))
        let tree = try await run(["audit", "chain", chain]).standardOutput
        #expect(tree.hasPrefix("chain \(chain) for jane@contoso.com"))
        #expect(tree.contains("         └─ [4] downstream itsm → servicenow servicenow:incident/INC0012345"))
        let export = directory.file("checkpoints.json")
        #expect(try await run(["audit", "checkpoints", "--export", export]).exitStatus == 0)
        let exported = try JSONDecoder().decode(CheckpointExport.self, from: Data(contentsOf: URL(fileURLWithPath: export)))
        #expect(exported.checkpoints.last?.sequence == 4)

        try await database.write { db in
            try db.execute(sql: "UPDATE ledger_entries SET record = (SELECT record FROM ledger_entries WHERE seq = 3) WHERE seq = 2")
        }
        let verify = try await run(["audit", "verify"])
        #expect(verify.exitStatus == 1)
        #expect(verify.standardOutput.contains("FAIL at entry 2"))
        #expect(verify.standardError.contains("first bad entry: 2"))
    }
}
