import ArgumentParser
import BatonCore
import BatonLedger
import Foundation

/// The ledger as a transparency log: static tiles, inclusion proofs and consistency proofs
/// that auditors check with the log's verifier key (`baton audit vkey`), here or with any
/// C2SP tlog verifier.
extension AuditCommand {
    struct ExportTiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-tiles",
            abstract: "Write the ledger as a static tlog-tiles log (checkpoint, tiles) for any file server.",
            discussion: """
                Writes DIR/checkpoint (the latest signed checkpoint) and DIR/tile/... for its tree, exactly as the daemon \
                serves them at /checkpoint and /tile/. Full tiles already in DIR are kept (they never change), so running \
                it again writes only what is new. Entry bundles (tile/entries/...) are written only when \
                storage.ledger_publish is entries.
                """)
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The directory to write to.") var directory: String

        func run() async throws {
            try await reportingFailures {
                let store = try await AuditStore.open(options)
                let log = TransparencyLog(records: try await store.reader().records, publication: store.publication, cachedTiles: 0)
                let export = try await log.export(to: directory)
                print(
                    "wrote the checkpoint of \(export.size) entries and \(export.written) tiles to \(directory) (\(export.kept) full tiles were there)"
                )
                if store.publication == .hashes { print("entries withheld (storage.ledger_publish: hashes): only the tree's hashes are published") }
            }
        }
    }

    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a proof that a chain's entries (or chosen entries) are in the ledger.",
            discussion: """
                The proof holds, for each entry, its record, its inclusion proof and the latest signed checkpoint: a few \
                kilobytes an auditor checks offline with `baton audit check-proof` and the log's verifier key, or with \
                any tlog verifier that reads proof bundles. Entries after the latest checkpoint cannot be proven until \
                the next one (storage.checkpoint_interval).
                """)
        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "Prove every entry of this chain.") var chain: String?
        @Option(name: .customLong("seq"), parsing: .upToNextOption, help: "Prove these entries (sequence numbers).") var sequences: [Int64] = []
        @Option(name: .long, help: "Write the proof to this file (default: standard output).") var out: String?

        func validate() throws {
            guard (chain == nil) != sequences.isEmpty else { throw ValidationError("give either --chain ID or --seq N…") }
        }

        func run() async throws {
            try await reportingFailures {
                let store = try await AuditStore.open(options)
                let reader = try await store.reader()
                var wanted = sequences
                if let chain {
                    wanted = try await AuditCommand.chainSequences(of: chain, in: reader)
                    guard !wanted.isEmpty else { throw CommandFailure(message: "no entries for chain \(chain)") }
                }
                let log = TransparencyLog(records: reader.records, publication: store.publication, cachedTiles: 0)
                let proof = LedgerProof(chain: chain, bundles: try await log.prove(wanted))
                let data = try JSONEncoder.sorted.encode(proof)
                guard let out else { return print(String(decoding: data, as: UTF8.self)) }
                try data.write(to: URL(fileURLWithPath: out))
                print("wrote the proof of \(wanted.count) entries\(chain.map { " of chain \($0)" } ?? "") to \(out)")
            }
        }
    }

    /// Every entry of `chain`, page by page.
    static func chainSequences(of chain: String, in reader: LedgerReader) async throws -> [Int64] {
        var sequences: [Int64] = []
        var after: Int64?
        repeat {
            let page = try await LedgerQuery(chainID: chain, after: after, limit: 1_000).run(on: reader)
            sequences += page.entries.map(\.sequence)
            after = page.nextCursor
        } while after != nil
        return sequences
    }

    struct CheckProof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-proof",
            abstract: "Check a proof written by `baton audit prove`, offline, with the log's verifier key.",
            discussion: """
                Needs no configuration and no ledger: only the proof and the key pinned out of band (`baton audit vkey`). \
                Exit status 0 and the proven entries when every bundle checks; 1 and the reason otherwise.
                """)
        @Argument(help: "The proof file.") var file: String
        @Option(name: .long, help: "The log's verifier key (<origin>+<hash>+<key>), or a file holding it.") var key: String

        func run() async throws {
            try await reportingFailures {
                let proof: LedgerProof
                do {
                    proof = try JSONDecoder().decode(LedgerProof.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
                } catch {
                    throw CommandFailure(message: "\(file) is not a ledger proof: \(error)")
                }
                let proven = try proof.verify(key: try NoteKeyArgument.parse(key))
                for item in proven {
                    let entry = item.entry
                    let who = entry.user?.username ?? entry.user?.objectID ?? "-"
                    print(
                        "#\(entry.sequence) \(entry.kind.rawValue) user=\(who) agent=\(entry.agent ?? "-") target=\(entry.target ?? "-") resource=\(entry.resource ?? "-") outcome=\(entry.decision?.rawValue ?? "-")"
                    )
                }
                let sizes = Set(proven.map(\.checkpoint.size)).sorted().map(String.init).joined(separator: ", ")
                print(
                    "proven: \(proven.count) entries\(proof.chain.map { " of chain \($0)" } ?? "") are in the log \(proven[0].checkpoint.origin) of \(sizes) entries"
                )
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the log at an older checkpoint is a prefix of the log at a newer one: nothing was rewritten.",
            discussion: """
                OLD and NEW are signed checkpoints (from /checkpoint, export-tiles or a witness). The proof is built from \
                this ledger's tiles and checked; --out writes it (one base64 hash per line). With --proof FILE it is \
                checked offline instead, needing no ledger. The key defaults to this ledger's own.
                """)
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The older checkpoint file.") var old: String
        @Argument(help: "The newer checkpoint file.") var new: String
        @Option(name: .long, help: "The log's verifier key, or a file holding it (default: this ledger's).") var key: String?
        @Option(name: .long, help: "Check this proof (one base64 hash per line) instead of building one.") var proof: String?
        @Option(name: .long, help: "Write the proof to this file.") var out: String?

        func run() async throws {
            try await reportingFailures {
                let store = key == nil || proof == nil ? try await AuditStore.open(options) : nil
                let verifier: NoteVerifierKey
                if let key {
                    verifier = try NoteKeyArgument.parse(key)
                } else {
                    verifier = try NoteVerifierKey(name: store!.origin, publicKey: try await store!.signer().publicKey)
                }
                let older = try Self.checkpoint(old, key: verifier)
                let newer = try Self.checkpoint(new, key: verifier)
                let hashes: [[UInt8]]
                if let proof {
                    hashes = try Self.readProof(proof)
                } else {
                    guard older.size > 0, older.size <= newer.size else {
                        throw CommandFailure(
                            message:
                                "the old checkpoint (\(older.size) entries) must be of a non-empty log no longer than the new one (\(newer.size))")
                    }
                    hashes = try await MerkleProofs.consistency(
                        from: older.size, to: newer.size, in: TileHashes(records: try store!.reader().records))
                }
                guard
                    MerkleProofs.verifyConsistency(old: older.size, new: newer.size, oldRoot: older.rootHash, newRoot: newer.rootHash, proof: hashes)
                else {
                    throw CommandFailure(
                        message: "the log of \(older.size) entries is NOT a prefix of the log of \(newer.size) entries: its history was rewritten")
                }
                if let out {
                    try Data(hashes.map { Data($0).base64EncodedString() + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: out))
                }
                print("consistent: the log of \(older.size) entries is a prefix of the log of \(newer.size) entries (\(hashes.count) hashes)")
            }
        }

        static func checkpoint(_ path: String, key: NoteVerifierKey) throws -> CheckpointNote {
            guard let note = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure(message: "cannot read \(path)") }
            do {
                return try CheckpointNote(signed: note, by: key)
            } catch {
                throw CommandFailure(message: "\(path): \(error.description)")
            }
        }

        static func readProof(_ path: String) throws -> [[UInt8]] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure(message: "cannot read \(path)") }
            return try text.split(separator: "\n").map { line in
                guard let hash = Data(base64Encoded: String(line)), hash.count == MerkleHash.size else {
                    throw CommandFailure(message: "\(path) holds a line that is not a base64 SHA-256 hash")
                }
                return Array(hash)
            }
        }
    }
}

/// A verifier key given on the command line, or the path of a file holding one (the first
/// line that is not blank or a `#` comment).
enum NoteKeyArgument {
    static func parse(_ value: String) throws -> NoteVerifierKey {
        var text = value
        if FileManager.default.fileExists(atPath: value), let contents = try? String(contentsOfFile: value, encoding: .utf8) {
            text = contents.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty && !$0.hasPrefix("#") } ?? ""
        }
        let key: NoteVerifierKey
        do {
            key = try NoteVerifierKey(parsing: text)
        } catch {
            throw CommandFailure(message: "--key: \(error.description)")
        }
        guard key.algorithm == .ed25519 else {
            throw CommandFailure(message: "--key: \(key.name)'s key is a witness's cosignature key; give the log's key (`baton audit vkey`)")
        }
        return key
    }
}
