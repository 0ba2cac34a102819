import BatonTestSupport
import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `baton backup` while the daemon runs, and `baton restore`.
@Suite("baton backup and baton restore")
struct BackupCommandTests {
    @Test("a backup under load verifies, holds no token, restores into a new data directory whose daemon runs chains on the old ledger")
    func backupAndRestore() async throws {
        try await InteropSlot.exclusive {
            let directory = try TemporaryDirectory()
            let stack = try await DevUpStack.start(in: directory)
            let token = try await stack.token("jane@contoso.com")
            // Chains keep coming while the backup is taken (bounded: 4 clients, 10 chains each).
            let load = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var answered = 0
                            for _ in 0..<10 {
                                var request = URLRequest(url: URL(string: "\(stack.baton)/v1/agents/concierge/invoke")!, timeoutInterval: 30)
                                request.httpMethod = "POST"
                                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                                request.httpBody = Data(#"{"input":"Show me 5 incidents assigned to me"}"#.utf8)
                                if try await httpRequest(request).status == 200 { answered += 1 }
                            }
                            return answered
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            let backup = directory.file("backup")
            let taken = BatonProcess(
                ["backup", backup], environment: ["BATON_STORAGE_DATA_DIR": stack.dataDirectory], directory: RepositoryPaths.root)
            #expect(try await taken.run() == 0, "\(taken.standardError)")
            #expect(taken.standardOutput.contains("(verified), vault without tokens"))
            #expect(try await load.value == 40, "every chain under load was answered")
            #expect(try await stack.process.stop(signal: SIGINT).status == 0)

            let copy = try DatabaseQueue(path: "\(backup)/vault.sqlite")
            #expect(try await copy.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM vault_entries") } == 0, "no token in the backup")
            #expect(try await copy.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM vault_user_keys") } == 0, "no data key either")
            try await copy.close()
            let source = try DatabaseQueue(path: "\(stack.dataDirectory)/vault.sqlite")
            #expect(
                try await source.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM vault_entries") ?? 0 } > 0, "the daemon's vault held tokens")
            try await source.close()
            for file in try FileManager.default.contentsOfDirectory(atPath: backup) {
                let mode = try FileManager.default.attributesOfItem(atPath: "\(backup)/\(file)")[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file) is private")
            }

            // Restored into a new data directory, the stack runs on it: the old chains are there, a new one joins them.
            let restored = directory.file("restored")
            let restore = BatonProcess(["restore", backup, "--data-dir", restored], directory: RepositoryPaths.root)
            #expect(try await restore.run() == 0, "\(restore.standardError)")
            let again = BatonProcess(["restore", backup, "--data-dir", restored], directory: RepositoryPaths.root)
            #expect(try await again.run() == 1 && again.standardError.contains("is not empty"), "a non-empty target is refused")
            let before = stack.janeChain
            try await DevUpStack.with(dataDirectory: restored) { stack in
                let audrey = try await stack.token("audrey@contoso.com")
                for (chain, what) in [(before, "a chain from before the backup"), (stack.janeChain, "a chain run after the restore")] {
                    var request = URLRequest(url: URL(string: "\(stack.baton)/v1/chains/\(chain)")!, timeoutInterval: 30)
                    request.setValue("Bearer \(audrey)", forHTTPHeaderField: "Authorization")
                    #expect(try await httpRequest(request).status == 200, "\(what)")
                }
            }
            let verify = BatonProcess(["audit", "verify"], environment: ["BATON_STORAGE_DATA_DIR": restored], directory: RepositoryPaths.root)
            #expect(try await verify.run() == 0, "\(verify.standardOutput)\(verify.standardError)")
            let entries = try DatabaseQueue(path: "\(restored)/ledger.sqlite")
            let chains = try await entries.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ledger_entries") ?? 0 }
            try await entries.close()
            #expect(chains >= 2 * 25, "the restored ledger holds the chains from before the backup and after: \(chains) entries")
        }
    }

    @Test("restore refuses a backup whose files changed, or whose ledger does not verify even with a rewritten manifest, and writes nothing")
    func refusesBadBackups() async throws {
        try await InteropSlot.exclusive {
            let directory = try TemporaryDirectory()
            let stack = try await DevUpStack.start(in: directory)
            let backup = directory.file("backup")
            let taken = BatonProcess(
                ["backup", backup], environment: ["BATON_STORAGE_DATA_DIR": stack.dataDirectory], directory: RepositoryPaths.root)
            #expect(try await taken.run() == 0, "\(taken.standardError)")
            #expect(try await stack.process.stop(signal: SIGINT).status == 0)

            let ledger = try DatabaseQueue(path: "\(backup)/ledger.sqlite")
            try await ledger.write { db in
                try db.execute(sql: "UPDATE ledger_entries SET record = (SELECT record FROM ledger_entries WHERE seq = 3) WHERE seq = 2")
            }
            try await ledger.close()
            let changed = BatonProcess(["restore", backup, "--data-dir", directory.file("one")], directory: RepositoryPaths.root)
            #expect(try await changed.run() == 1)
            #expect(changed.standardError.contains("ledger.sqlite is not the file the backup wrote"), "\(changed.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("one")))

            // Someone who also rewrote the manifest's digest is stopped by the ledger's own hashes.
            let manifestPath = "\(backup)/backup.json"
            var manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifestPath))) as? [String: Any])
            var files = try #require(manifest["files"] as? [String: String])
            let digest = try await ChildProcess.run("/usr/bin/sha256sum", ["\(backup)/ledger.sqlite"], environment: [:]).output
            files["ledger.sqlite"] = String(digest.prefix(64))
            manifest["files"] = files
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: manifestPath))
            let forged = BatonProcess(["restore", backup, "--data-dir", directory.file("two")], directory: RepositoryPaths.root)
            #expect(try await forged.run() == 1)
            #expect(forged.standardError.contains("the backup's ledger does not verify: first bad entry 2"), "\(forged.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("two")))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".restoring-") }
            #expect(leftovers.isEmpty, "no half-restored directory is left: \(leftovers)")
        }
    }
}
