import BatonCore
import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// The ledger as a transparency log, checked by tools nobody on this team wrote: Go's
/// `sumdb/note` and `sumdb/tlog`, and Python's `aics-tlog`, read the checkpoint, tiles and
/// proofs `baton audit export-tiles` and `baton audit prove` write; a rewritten history
/// fails their consistency checks as it fails Baton's.
@Suite("The ledger as a transparency log: export, proofs and outside verifiers", .serialized)
struct TransparencyLogCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test(
        "export-tiles writes a log that Go's tlog and aics-tlog verify (checkpoint, inclusion, consistency); a chain's proof checks offline in Baton, Go and aics-tlog; a rewritten history fails every consistency check"
    )
    func outsideVerifiers() async throws {
        let writer = try await openWriter()
        for index in 0..<300 { _ = try await writer.append(Self.entry(index)) }
        try await writer.checkpoint()
        let vkey = try await run(["audit", "vkey"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let keyFile = try directory.write("log.vkey", vkey + "\n")
        let first = directory.file("first")
        #expect(try await run(["audit", "export-tiles", first]).standardOutput.contains("checkpoint of 300 entries"))
        let old = try directory.write("old.checkpoint", try String(contentsOfFile: first + "/checkpoint", encoding: .utf8))
        for index in 300..<700 { _ = try await writer.append(Self.entry(index)) }
        try await writer.checkpoint()
        let tiles = directory.file("tiles")
        let export = try await run(["audit", "export-tiles", tiles])
        #expect(export.exitStatus == 0 && export.standardOutput.contains("checkpoint of 700 entries"), "\(export.standardOutput)")
        #expect(
            FileManager.default.fileExists(atPath: tiles + "/tile/0/002.p/188") && FileManager.default.fileExists(atPath: tiles + "/tile/1/000.p/2"))
        #expect(!FileManager.default.fileExists(atPath: tiles + "/tile/entries/000"), "entries are withheld by default")

        // Go: the checkpoint, an entry's inclusion and the old checkpoint's consistency, from the tiles.
        let leaf = try await leafHash(sequence: 401)
        let go = [
            try await TransparencyLogVerifiers.go(["checkpoint", "--vkey", vkey, tiles + "/checkpoint"]),
            try await TransparencyLogVerifiers.go(["inclusion", "--vkey", vkey, "--tiles", tiles, "--index", "400", "--leaf-hash", leaf]),
            try await TransparencyLogVerifiers.go(["consistency", "--vkey", vkey, "--tiles", tiles, "--old", old]),
        ]
        for (status, output) in go { #expect(status == 0, "\(output)") }
        #expect(go[0].output.contains("size=700"))
        let wrongLeaf = try await TransparencyLogVerifiers.go(["inclusion", "--vkey", vkey, "--tiles", tiles, "--index", "399", "--leaf-hash", leaf])
        #expect(wrongLeaf.status == 1, "\(wrongLeaf.output)")

        // aics-tlog: the same three, from the same directory.
        for arguments in [
            ["verify-checkpoint", "--tiles", tiles, "--vkey-file", keyFile],
            ["verify-inclusion", "--tiles", tiles, "--vkey-file", keyFile, "--index", "400", "--leaf-hash", leaf],
            ["verify-consistency", "--tiles", tiles, "--vkey-file", keyFile, "--old-checkpoint", old],
        ] {
            let (status, output) = try await TransparencyLogVerifiers.aics(arguments)
            #expect(status == 0 && output.contains("\"ok\": true"), "aics-tlog \(arguments[0]): \(output)")
        }

        // A chain's proof: Baton checks it offline with the pinned key, Go and aics-tlog too.
        let chain = Self.chainID(401)
        let proofFile = directory.file("chain.proof.json")
        let prove = try await run(["audit", "prove", "--chain", chain, "--out", proofFile])
        #expect(
            prove.exitStatus == 0 && prove.standardOutput.contains("4 entries of chain \(chain)"), "\(prove.standardOutput)\(prove.standardError)")
        let check = try await run(["audit", "check-proof", proofFile, "--key", keyFile])
        #expect(
            check.exitStatus == 0 && check.standardOutput.contains("proven: 4 entries of chain \(chain)"),
            "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardOutput.contains("#404 downstream user=jane@contoso.com"), "\(check.standardOutput)")
        let goProof = try await TransparencyLogVerifiers.go(["proof", "--vkey", vkey, "--bundle", proofFile])
        #expect(goProof.status == 0 && goProof.output.contains("proof ok: 4 entries"), "\(goProof.output)")
        let proof = try JSONDecoder().decode(LedgerProof.self, from: Data(contentsOf: URL(fileURLWithPath: proofFile)))
        for (index, bundle) in proof.bundles.enumerated() {
            let file = try directory.write("bundle-\(index).json", String(decoding: try JSONEncoder.sorted.encode(bundle), as: UTF8.self))
            let (status, output) = try await TransparencyLogVerifiers.aics(["verify-bundle", "--bundle", file, "--vkey-file", keyFile, "--offline"])
            #expect(status == 0 && output.contains("\"ok\": true"), "aics-tlog verify-bundle: \(output)")
        }
        // A bundle whose entry was edited fails everywhere.
        var forged = proof
        forged.bundles[0].entryBytes = Base64URL.encode(Array("another entry".utf8))
        let forgedFile = try directory.write("forged.json", String(decoding: try JSONEncoder.sorted.encode(forged), as: UTF8.self))
        #expect(try await run(["audit", "check-proof", forgedFile, "--key", keyFile]).exitStatus == 1)
        #expect(try await TransparencyLogVerifiers.go(["proof", "--vkey", vkey, "--bundle", forgedFile]).status == 1)

        // A tail cut, the tree rebuilt and a checkpoint signed for what is left: the old
        // checkpoint's log is no prefix of it, for Go, aics-tlog and Baton alike.
        try await database().write { db in
            try db.execute(sql: "DELETE FROM ledger_entries WHERE seq > 500; DELETE FROM ledger_checkpoints; DELETE FROM ledger_tiles")
        }
        let at700 = try directory.write("700.checkpoint", try String(contentsOfFile: tiles + "/checkpoint", encoding: .utf8))
        let cutter = try await openWriter()
        try await cutter.checkpoint()
        let cutTiles = directory.file("cut")
        #expect(try await run(["audit", "export-tiles", cutTiles]).standardOutput.contains("checkpoint of 500 entries"))
        let goCut = try await TransparencyLogVerifiers.go(["consistency", "--vkey", vkey, "--tiles", cutTiles, "--old", at700])
        #expect(goCut.status == 1, "\(goCut.output)")
        let aicsCut = try await TransparencyLogVerifiers.aics([
            "verify-consistency", "--tiles", cutTiles, "--vkey-file", keyFile, "--old-checkpoint", at700,
        ])
        #expect(aicsCut.status == 1, "\(aicsCut.output)")
        let goCutInclusion = try await TransparencyLogVerifiers.go([
            "inclusion", "--vkey", vkey, "--tiles", cutTiles, "--index", "400", "--leaf-hash", leaf,
        ])
        #expect(goCutInclusion.status == 0, "entries before the cut are still proven: \(goCutInclusion.output)")

        // Whoever holds the database writes another history, tiles and checkpoints and all,
        // signed with the ledger's own key: every consistency check against the old checkpoint fails.
        try await writer.checkpoint()
        try await database().write { db in
            try db.execute(sql: "DELETE FROM ledger_entries; DELETE FROM ledger_checkpoints; DELETE FROM ledger_tiles")
        }
        let forger = try await openWriter()
        for index in 0..<800 { _ = try await forger.append(Self.entry(index, user: "mallory@contoso.com")) }
        try await forger.checkpoint()
        let forkedTiles = directory.file("forked")
        #expect(try await run(["audit", "export-tiles", forkedTiles]).exitStatus == 0)
        let new = try directory.write("new.checkpoint", try String(contentsOfFile: forkedTiles + "/checkpoint", encoding: .utf8))
        #expect(try await run(["audit", "verify"]).exitStatus == 0, "the forged ledger is consistent with itself")
        let goFork = try await TransparencyLogVerifiers.go(["consistency", "--vkey", vkey, "--tiles", forkedTiles, "--old", old])
        #expect(goFork.status == 1, "\(goFork.output)")
        let aicsFork = try await TransparencyLogVerifiers.aics([
            "verify-consistency", "--tiles", forkedTiles, "--vkey-file", keyFile, "--old-checkpoint", old,
        ])
        #expect(aicsFork.status == 1 && aicsFork.output.contains("\"ok\": false"), "\(aicsFork.output)")
        let batonFork = try await run(["audit", "consistency", old, new])
        #expect(batonFork.exitStatus == 1 && batonFork.standardError.contains("NOT a prefix"), "\(batonFork.standardError)")
        let aicsOldBundle = try await TransparencyLogVerifiers.aics([
            "verify-bundle", "--bundle", directory.file("bundle-0.json"), "--vkey-file", keyFile, "--tiles", forkedTiles,
        ])
        #expect(aicsOldBundle.status == 1, "an old proof against the rewritten log's tiles: \(aicsOldBundle.output)")
    }

    @Test("consistency between two genuine checkpoints: built from the ledger, written, and checked offline from the file alone")
    func consistencyCommand() async throws {
        let writer = try await openWriter()
        for index in 0..<10 { _ = try await writer.append(Self.entry(index)) }
        try await writer.checkpoint()
        let old = try directory.write("old", try #require(await writer.latestCheckpoint?.note))
        for index in 10..<1_000 { _ = try await writer.append(Self.entry(index)) }
        try await writer.checkpoint()
        let new = try directory.write("new", try #require(await writer.latestCheckpoint?.note))
        let proofFile = directory.file("consistency.proof")
        let built = try await run(["audit", "consistency", old, new, "--out", proofFile])
        #expect(
            built.exitStatus == 0 && built.standardOutput.contains("consistent: the log of 10 entries is a prefix of the log of 1000"),
            "\(built.standardOutput)\(built.standardError)")
        let vkey = try await run(["audit", "vkey"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let offline = try await run(["audit", "consistency", old, new, "--proof", proofFile, "--key", vkey])
        #expect(offline.exitStatus == 0, "\(offline.standardError)")
        let swapped = try await run(["audit", "consistency", new, old, "--proof", proofFile, "--key", vkey])
        #expect(swapped.exitStatus == 1)
        let otherKey = try NoteVerifierKey(name: Self.origin, publicKey: CheckpointSigner(key: .init()).publicKey).description
        let foreign = try await run(["audit", "consistency", old, new, "--proof", proofFile, "--key", otherKey])
        #expect(foreign.exitStatus == 1 && foreign.standardError.contains("no signature by a known key"), "\(foreign.standardError)")
        let notCovered = try await run(["audit", "prove", "--seq", "1001"])
        #expect(notCovered.exitStatus == 1 && notCovered.standardError.contains("not under the latest signed checkpoint (1000 entries)"))
    }

    @Test(
        "a real tlog-witness (aics-witness) cosigns each checkpoint, the first and one proven consistent with it; the cosignature is kept with the checkpoint, verified by aics-tlog and reported by audit verify; a rewritten history is refused by the witness and counted as an alert"
    )
    func witnessCosigns() async throws {
        let data = try DataDirectory.prepare(directory.file("data"))
        let logKey = try NoteVerifierKey(name: Self.origin, publicKey: try CheckpointSigner.load(from: data).publicKey)
        try FileManager.default.createDirectory(atPath: directory.file("witness"), withIntermediateDirectories: true)
        try await WitnessProcess.with(in: directory.file("witness"), name: "witness.test/w1", origin: Self.origin, logKey: "\(logKey)") { witness in
            let client = { WitnessClient(url: witness.url, key: try NoteVerifierKey(parsing: witness.key)) }

            let writer = try await openWriter(witnesses: [try client()])
            for index in 0..<300 { _ = try await writer.append(Self.entry(index)) }
            try await writer.checkpoint()
            try await Self.waitForCosignature(writer, size: 300)
            for index in 300..<700 { _ = try await writer.append(Self.entry(index)) }
            try await writer.checkpoint()
            let cosigned = try await Self.waitForCosignature(writer, size: 700)
            #expect(await writer.witnessFailures == 0)
            #expect(try await SQLiteLedgerRecords(database: try database()).checkpoints().last?.note == cosigned, "stored with the checkpoint")

            let note = try directory.write("cosigned.checkpoint", cosigned)
            let keyFile = try directory.write("log.vkey", "\(logKey)\n")
            let (status, output) = try await TransparencyLogVerifiers.aics([
                "verify-checkpoint", "--note", note, "--vkey-file", keyFile, "--witness-key", witness.key, "--quorum", "1",
            ])
            #expect(status == 0 && output.contains("\"ok\": true"), "aics-tlog with a quorum of one witness: \(output)")
            let config = try directory.write(
                "baton.yaml",
                """
                storage:
                  data_dir: \(directory.file("data"))
                  ledger_origin: \(Self.origin)
                  witnesses:
                    - url: \(witness.url)
                      key: \(witness.key)
                """)
            let verify = BatonProcess(["audit", "verify", "--config", config], directory: directory.path)
            _ = try await verify.run()
            #expect(verify.exitStatus == 0, "\(verify.standardOutput)\(verify.standardError)")
            #expect(verify.standardOutput.contains("checkpoint at entry 700 cosigned by witness.test/w1"), "\(verify.standardOutput)")

            // Another history, signed with the ledger's own key: the witness holds 700 entries
            // of the genuine one and refuses a proof that the forgery extends them.
            try await database().write { db in
                try db.execute(sql: "DELETE FROM ledger_entries; DELETE FROM ledger_checkpoints; DELETE FROM ledger_tiles")
            }
            let forger = try await openWriter(witnesses: [try client()])
            for index in 0..<800 { _ = try await forger.append(Self.entry(index, user: "mallory@contoso.com")) }
            try await forger.checkpoint()
            for _ in 0..<200 where await forger.witnessFailures == 0 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(await forger.witnessFailures == 1, "the refusal is counted (and logged as an error)")
            #expect(await forger.latestCheckpoint?.note?.contains("— witness.test/w1") == false, "no cosignature for the forgery")
        }
    }

    @Test("a bad ledger_publish, checkpoint_interval or witness (URL, key, unknown field) is refused naming the file and the field")
    func badSettings() async throws {
        let witnessKey = "witness.test/w1+afae98d3+BCO5ARxEBzbW4ngpsbwRf0xQQBBXipi4NwgE0slCO1RB"
        let cases: [(String, String)] = [
            ("ledger_publish: everything", "storage.ledger_publish"),
            ("checkpoint_interval: 0s", "storage.checkpoint_interval"),
            ("witnesses:\n    - url: ftp://witness.example\n      key: \(witnessKey)", "storage.witnesses[0].url"),
            ("witnesses:\n    - url: https://witness.example\n      key: \(Self.origin)+00000000+AQ==", "storage.witnesses[0].key"),
            ("witnesses:\n    - url: https://witness.example\n      key: \(witnessKey)\n      name: w1", "storage.witnesses[0].name"),
        ]
        for (yaml, field) in cases {
            let config = try directory.write("bad.yaml", "storage:\n  data_dir: \(directory.file("data"))\n  \(yaml)\n")
            let check = BatonProcess(["config", "check", "--config", config], directory: directory.path)
            _ = try await check.run()
            #expect(check.exitStatus != 0, "\(yaml)")
            #expect(check.standardError.contains("bad.yaml") && check.standardError.contains(field), "\(field): \(check.standardError)")
        }
        let good = try directory.write(
            "good.yaml",
            "storage:\n  ledger_publish: entries\n  checkpoint_interval: 5s\n  witnesses:\n    - url: https://ops:hunter2@witness.example/w1?token=s3cr3t\n      key: \(witnessKey)\n"
        )
        let check = BatonProcess(["config", "check", "--config", good], directory: directory.path)
        #expect(try await check.run() == 0, "\(check.standardError)")
        #expect(
            check.standardOutput.contains("witness.example/w1") && check.standardOutput.contains("ledger_publish: entries"), "\(check.standardOutput)"
        )
        #expect(!check.standardOutput.contains("hunter2") && !check.standardOutput.contains("s3cr3t"), "credentials in a witness URL are masked")
    }

    /// Waits until the latest checkpoint, of `size` entries, carries the witness's cosignature; its note.
    @discardableResult
    static func waitForCosignature(_ writer: LedgerWriter, size: Int64) async throws -> String {
        for _ in 0..<200 {
            if let checkpoint = await writer.latestCheckpoint, checkpoint.sequence == size, let note = checkpoint.note,
                note.contains("— witness.test/w1 ")
            {
                return note
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LedgerError.readFailed("no cosignature for the checkpoint of \(size) entries (witness failures: \(await writer.witnessFailures))")
    }

    // MARK: - Fixture

    private func database() throws -> DatabasePool {
        let data = try DataDirectory.prepare(directory.file("data"))
        return try LedgerStore.openEntries(in: data, busyTimeout: .seconds(5), logger: Logger(label: "test"))
    }

    private func openWriter(witnesses: [WitnessClient] = []) async throws -> LedgerWriter {
        let data = try DataDirectory.prepare(directory.file("data"))
        return try await LedgerWriter.open(
            store: SQLiteLedgerRecords(database: try database()), signer: try CheckpointSigner.load(from: data), checkpointEvery: 1_000_000,
            origin: Self.origin, witnesses: witnesses)
    }

    /// The hex leaf hash of entry `sequence`, from its stored record.
    private func leafHash(sequence: Int64) async throws -> String {
        let record = try await SQLiteLedgerRecords(database: try database()).records(at: [sequence]) { cursor in
            try cursor.next().map { Array($0.record) } ?? []
        }
        return Hex.encode(MerkleHash.leaf(record))
    }

    /// The origin the writer signs with, and the one the commands are configured with.
    static let origin = "audit.example/baton/ledger"

    static func chainID(_ index: Int) -> String { "0193a4b2-5f00-7000-8000-\(String(format: "%012d", index / 4))" }

    /// Chains of four: inbound, exchange, delegate, downstream.
    static func entry(_ index: Int, user: String = "jane@contoso.com") -> LedgerEntry {
        let kinds: [LedgerEventKind] = [.inbound, .exchange, .delegate, .downstream]
        return LedgerEntry(
            chainID: chainID(index), hop: index % 4, parentHop: index % 4 == 0 ? nil : index % 4 - 1, kind: kinds[index % 4],
            user: ChainUser(tenantID: "t", objectID: "o-\(user)", username: user), agent: "concierge", actorPath: ["concierge"],
            resource: index % 4 == 3 ? "servicenow:incident/INC00\(index)" : nil, decision: .allowed, tokenSource: "idp")
    }

    private func run(_ arguments: [String]) async throws -> BatonProcess {
        let environment = ["BATON_STORAGE_DATA_DIR": directory.file("data"), "BATON_STORAGE_LEDGER_ORIGIN": Self.origin]
        let process = BatonProcess(arguments, environment: environment, directory: directory.path)
        _ = try await process.run()
        return process
    }
}
