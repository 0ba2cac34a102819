import ArgumentParser
import BatonConfig
import BatonCore
import BatonLedger
import BatonStorage
import Foundation

/// `baton audit …`: who did what, through which agents — and proof the record is whole.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query and verify the audit ledger.",
        subcommands: [
            List.self, What.self, Who.self, Chain.self, Verify.self, Checkpoints.self, VerifierKey.self, ExportTiles.self, Prove.self,
            CheckProof.self,
            Consistency.self,
        ]
    )

    /// Filters shared by the listing commands.
    struct Filters: ParsableArguments {
        @Option(name: .long, help: "A username or object id.") var user: String?
        @Option(name: .long, help: "The acting agent.") var agent: String?
        @Option(name: .long, help: "A target agent or connector.") var target: String?
        @Option(name: .long, help: "A resource, e.g. servicenow:incident/INC0012345.") var resource: String?
        @Option(name: .long, help: "inbound, exchange, delegate, tool_call, downstream, deny, error, vault_purge or admin.") var kind: String?
        @Option(name: .long, help: "allowed or denied.") var outcome: String?
        @Option(name: .long, help: "A chain id.") var chain: String?
        @Option(name: .long, help: "How far back, e.g. 24h, 7d (or an ISO 8601 time).") var since: String?
        @Option(name: .long, help: "Up to this ISO 8601 time.") var until: String?
        @Option(name: .long, help: "Entries after this sequence number (a previous page's cursor).") var after: Int64?
        @Option(name: .long, help: "Entries per page.") var limit = 100

        func query() throws -> LedgerQuery {
            LedgerQuery(
                user: user, agent: agent, target: target, resource: resource,
                kind: try kind.map { try parse($0, LedgerEventKind.init, "--kind") },
                decision: try outcome.map { try parse($0, LedgerDecision.init, "--outcome") }, chainID: chain,
                since: try since.map(AuditTime.parse), until: try until.map(AuditTime.parse), after: after, limit: limit)
        }

        private func parse<T>(_ text: String, _ make: (String) -> T?, _ flag: String) throws -> T {
            guard let value = make(text) else { throw CommandFailure(message: "\(flag) \(text) is not a known value") }
            return value
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List ledger entries matching filters.")
        @OptionGroup var options: ConfigOptions
        @OptionGroup var filters: Filters
        @Option(name: .long, help: "table, json (one object per line) or csv.") var format: AuditOutput.Format = .table

        func run() async throws {
            try await reportingFailures {
                let page = try await filters.query().run(on: try await AuditStore.open(options).reader())
                AuditOutput(format: format).print(page)
            }
        }
    }

    struct What: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What was done for a user: every entry naming them.")
        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "A username or object id.") var user: String
        @Option(name: .long, help: "How far back, e.g. 24h.") var since = "24h"
        @Option(name: .long, help: "Entries at most.") var limit = 1000
        @Option(name: .long) var format: AuditOutput.Format = .table

        func run() async throws {
            try await reportingFailures {
                let query = LedgerQuery(user: user, since: try AuditTime.parse(since), limit: limit)
                AuditOutput(format: format).print(try await query.run(on: try await AuditStore.open(options).reader()))
            }
        }
    }

    struct Who: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who touched a resource, through which agents, how often and when last.")
        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "The resource, e.g. servicenow:incident/INC0012345.") var resource: String

        func run() async throws {
            try await reportingFailures {
                var rows = [["USER", "AGENTS", "ENTRIES", "LAST"]]
                for summary in try await LedgerSummary.who(resource: resource, reader: try await AuditStore.open(options).reader()) {
                    rows.append([summary.user, summary.actorPath, "\(summary.count)", summary.last.formatted(.iso8601)])
                }
                print(TextTable(rows: rows).rendered)
            }
        }
    }

    struct Chain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw one chain as a tree: user → agent → agent → downstream.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The chain id.") var id: String

        func run() async throws {
            try await reportingFailures {
                let entries = try await LedgerQuery(chainID: id, limit: 10_000).run(on: try await AuditStore.open(options).reader()).entries
                guard !entries.isEmpty else { throw CommandFailure(message: "no entries for chain \(id)") }
                print(ChainTree(entries: entries).rendered)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain, the signed checkpoints, and the checkpoints held outside the ledger.",
            discussion: """
                Exit status 1 and the first bad sequence number when the ledger was edited, cut, reordered or added to. \
                With --against FILE (an export of `baton audit checkpoints --export`, or a checkpoint log), or by default \
                the configured storage.checkpoint_log, it also fails when the ledger is shorter than, or disagrees with, a \
                checkpoint held outside it: a rollback or a rewritten history is found even when the ledger's own \
                checkpoints were deleted with it. Entries after the newest outside checkpoint can still be cut unseen. \
                With --index, also check that the (derived) query index hides no entry from queries.
                """
        )
        @OptionGroup var options: ConfigOptions
        @Flag(name: .long, help: "Also check that the query index hides no entry.") var index = false
        @Option(name: .long, help: "Checkpoints held outside the ledger (an export or a checkpoint log); default storage.checkpoint_log.")
        var against: String?

        func run() async throws {
            try await reportingFailures {
                let store = try await AuditStore.open(options)
                let records = try await store.reader().records
                let publicKey = try await store.signer().publicKey
                let started = ContinuousClock.now
                var report = try await LedgerVerifier(records: records, publicKey: publicKey, witnesses: try store.witnesses()).verify()
                let outside = try outsideCheckpoints(configured: store.checkpointLog)
                if let outside { report.problems += try await outside.problems(in: records, publicKey: publicKey) }
                let elapsed = ContinuousClock.now - started
                print(
                    "\(report.entries) entries, \(report.checkpoints) signed checkpoints, checked in \(elapsed.formatted(.units(allowed: [.milliseconds])))"
                )
                if let treeSize = report.treeSize {
                    print("Merkle tree of \(treeSize) entries checked against the records and every signed checkpoint note")
                    for (sequence, witnesses) in report.cosignatures.sorted(by: { $0.key < $1.key }) {
                        print("checkpoint at entry \(sequence) cosigned by \(witnesses.joined(separator: ", "))")
                    }
                    if !store.witnessKeys.isEmpty, report.cosignatures.isEmpty {
                        print("no checkpoint is cosigned by a configured witness (storage.witnesses)")
                    }
                } else {
                    print("no Merkle tree yet: the daemon builds it when it next opens the ledger")
                }
                if let outside {
                    print(
                        "against \(outside.checkpoints.count) checkpoints held outside the ledger (\(outside.source)), the newest at entry \(outside.latest)"
                    )
                } else {
                    print(
                        "no checkpoint held outside the ledger (storage.checkpoint_log, --against): a rollback that also deleted the ledger's own checkpoints cannot be seen"
                    )
                }
                guard report.isIntact else {
                    for problem in report.problems { print("FAIL at entry \(problem.sequence): \(problem)") }
                    throw CommandFailure(message: "the ledger is not intact (first bad entry: \(report.problems.map(\.sequence).min() ?? 0))")
                }
                print("intact")
                if index {
                    let check = try await LedgerIndexCheck.firstHidden(reader: try await store.reader())
                    if let hidden = check.hidden {
                        print("FAIL: the query index hides entry \(hidden) from queries")
                        throw CommandFailure(
                            message:
                                "the query index is incomplete (first hidden entry: \(hidden)); delete ledger_index.sqlite and the daemon rebuilds it"
                        )
                    }
                    print("index: complete through entry \(check.indexedThrough)")
                }
            }
        }

        /// `--against`, else the configured checkpoint log once it exists.
        private func outsideCheckpoints(configured: String?) throws -> OutsideCheckpoints? {
            let path = against ?? configured.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            guard let path else { return nil }
            do {
                return try OutsideCheckpoints.load(path)
            } catch {
                throw CommandFailure(message: error.description)
            }
        }
    }

    struct VerifierKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vkey",
            abstract: "Print the ledger's verifier key in the signed-note format, for auditors to pin out of band.",
            discussion: """
                <origin>+<key hash>+<base64 of 0x01 and the Ed25519 public key> (C2SP signed-note): the key that signs the \
                ledger's checkpoints, named by its origin (storage.ledger_origin, default <host>/baton/ledger). Go's \
                golang.org/x/mod/sumdb/note and tlog witnesses read this form.
                """)
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await reportingFailures {
                let store = try await AuditStore.open(options)
                do {
                    print(try NoteVerifierKey(name: store.origin, publicKey: try await store.signer().publicKey))
                } catch let error as LedgerError {
                    throw CommandFailure(message: error.description)
                }
            }
        }
    }

    struct Checkpoints: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print (or --export to a file) the signed checkpoints and the public key, for an outside witness.")
        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "Write the checkpoints as JSON to this file.") var export: String?

        func run() async throws {
            try await reportingFailures {
                let store = try await AuditStore.open(options)
                let document = try await CheckpointExport.make(records: try await store.reader().records, signer: try await store.signer())
                let data = try JSONEncoder.sorted.encode(document)
                if let export {
                    try data.write(to: URL(fileURLWithPath: export))
                    print("wrote \(document.checkpoints.count) checkpoints to \(export)")
                } else {
                    print(String(decoding: data, as: UTF8.self))
                }
            }
        }
    }
}

extension AuditOutput.Format: ExpressibleByArgument {}
