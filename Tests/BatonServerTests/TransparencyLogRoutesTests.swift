import BatonConfig
import BatonCore
import BatonDevKit
import BatonLedger
import BatonTestSupport
import Foundation
import Logging
import Testing

@testable import BatonServer

/// The daemon serves its ledger as a C2SP tlog-tiles log (`/checkpoint`, `/tile/…`), read
/// over HTTP by Go's `sumdb/tlog` and Python's `aics-tlog` as by any tlog client.
@Suite("The ledger's transparency log over HTTP")
struct TransparencyLogRoutesTests {
    @Test(
        "after real chains, Go's tlog and aics-tlog verify the served checkpoint, an entry's inclusion (aics from the entry bundles) and consistency with an older checkpoint; tiles are immutable, the checkpoint is not cached; unknown paths are 404"
    )
    func servedLog() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceNowFixture.withRunning { sn in
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data")) { $0.storage.ledgerPublish = .entries }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                #expect(try await httpGet("\(base)/checkpoint").status == 404, "no checkpoint before the first")
                let jane = try await sn.idp.signIn()
                for _ in 0..<2 {
                    #expect(try await AgentRoutesTests.invoke(base, token: jane, input: "Show me 5 incidents assigned to me").status == 200)
                }
                let ledger = try #require(await daemon.storage.ledger())
                try await ledger.writer.checkpoint()
                let served = try await httpGet("\(base)/checkpoint")
                #expect(served.status == 200 && served.headers["cache-control"] == "no-cache", "\(served.headers)")
                let old = try directory.write("old.checkpoint", served.body)
                #expect(try await AgentRoutesTests.invoke(base, token: jane, input: "Show me INC0012345").status == 200)
                try await ledger.writer.checkpoint()

                let signer = try #require(await daemon.storage.signer())
                let vkey = try NoteVerifierKey(name: ledger.writer.origin, publicKey: signer.publicKey).description
                let keyFile = try directory.write("log.vkey", vkey + "\n")
                let records = ledger.reader.records
                let size = try #require(await ledger.writer.latestCheckpoint?.sequence)
                let second = try await records.records(at: [2]) { try $0.next().map { Array($0.record) } ?? [] }

                let go = [
                    try await TransparencyLogVerifiers.go(["checkpoint", "--vkey", vkey, old]),
                    try await TransparencyLogVerifiers.go([
                        "inclusion", "--vkey", vkey, "--tiles", base, "--index", "1", "--leaf-hash", Hex.encode(MerkleHash.leaf(second)),
                    ]),
                    try await TransparencyLogVerifiers.go(["consistency", "--vkey", vkey, "--tiles", base, "--old", old]),
                ]
                for (status, output) in go { #expect(status == 0, "\(output)") }

                let entryOut = directory.file("entry.bin")
                for arguments in [
                    ["verify-checkpoint", "--tiles", base, "--vkey-file", keyFile],
                    ["verify-inclusion", "--tiles", base, "--vkey-file", keyFile, "--index", "1", "--entry-out", entryOut],
                    ["verify-inclusion", "--tiles", base, "--vkey-file", keyFile, "--index", String(size - 1)],
                    ["verify-consistency", "--tiles", base, "--vkey-file", keyFile, "--old-checkpoint", old],
                ] {
                    let (status, output) = try await TransparencyLogVerifiers.aics(arguments)
                    #expect(status == 0 && output.contains("\"ok\": true"), "aics-tlog \(arguments[0]): \(output)")
                }
                #expect(Array(try Data(contentsOf: URL(fileURLWithPath: entryOut))) == second, "the entry bundle holds the record itself")

                let tile = try await httpGet("\(base)/tile/0/000.p/\(size)")
                #expect(tile.status == 200 && tile.headers["cache-control"] == "public, max-age=31536000, immutable", "\(tile.headers)")
                #expect(tile.contentType == "application/octet-stream")
                for missing in ["tile/0/000", "tile/0/000.p/\(size + 1)", "tile/0/001.p/1", "tile/nonsense", "tile/0/1"] {
                    #expect(try await httpGet("\(base)/\(missing)").status == 404, "\(missing)")
                }
            }
        }
    }

    @Test(
        "a quiet ledger's entries are signed within storage.checkpoint_interval without another append; with storage.ledger_publish: off nothing is published"
    )
    func intervalAndOff() async throws {
        try await ServiceNowFixture.withRunning { sn in
            let directory = try TemporaryDirectory()
            let daemon = try AgentRoutesTests.daemon(sn, data: directory.file("data")) { $0.storage.checkpointInterval = .seconds(1) }
            try await LocalServer.run(logger: Logger(label: "test"), { daemon.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try await sn.idp.signIn()
                #expect(try await AgentRoutesTests.invoke(base, token: jane, input: "Show me 5 incidents assigned to me").status == 200)
                let ledger = try #require(await daemon.storage.ledger())
                // Signed now; the next append comes well within the interval, so only the timer can sign it.
                try await ledger.writer.checkpoint()
                let head = try await ledger.writer.append(
                    LedgerEntry(
                        chainID: "0193a4b2-5f00-7000-8000-000000000001", hop: 0, kind: .inbound,
                        user: ChainUser(tenantID: "t", objectID: "o", username: "jane@contoso.com"), agent: "concierge", actorPath: ["concierge"],
                        decision: .allowed, tokenSource: "idp"))
                var signed = ""
                for _ in 0..<100 where signed != "\(head)" {
                    try await Task.sleep(for: .milliseconds(100))
                    let served = try await httpGet("\(base)/checkpoint")
                    if served.status == 200 { signed = String(served.body.split(separator: "\n")[1]) }
                }
                #expect(signed == "\(head)", "the timer signed all \(head) entries without another append")
            }

            let hidden = try TemporaryDirectory()
            let off = try AgentRoutesTests.daemon(sn, data: hidden.file("data")) { $0.storage.ledgerPublish = .off }
            try await LocalServer.run(logger: Logger(label: "test"), { off.makeApplication(onServerRunning: $0) }) { base in
                _ = try await httpGet("\(base)/readyz", until: 200)
                let jane = try await sn.idp.signIn()
                #expect(try await AgentRoutesTests.invoke(base, token: jane, input: "Show me 5 incidents assigned to me").status == 200)
                try await #require(await off.storage.ledger()).writer.checkpoint()
                #expect(try await httpGet("\(base)/checkpoint").status == 404)
                #expect(try await httpGet("\(base)/tile/0/000.p/1").status == 404)
            }
        }
    }
}
