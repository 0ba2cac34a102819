import BatonA2A
import BatonCore
import BatonIdentity
import BatonLedger
import BatonStorage
import BatonTestSupport
import BatonVault
import Foundation
import Logging
import Testing

@Suite("baton storage copy, SQLite to PostgreSQL, as a process")
struct StorageCopyTests {
    let directory: TemporaryDirectory
    let sealingKey = Data((0..<32).map { UInt8(($0 * 13 + 5) % 256) }).base64EncodedString()
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c3RvcmFnZS1jb3B5LXRva2Vu"
    static let jane = ChainUser(
        tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", username: "jane@contoso.com")

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A single daemon's data directory: a vault with Jane's token, a ledger of 300 entries
    /// with checkpoints, and an A2A task.
    private func populate() async throws -> DataDirectory {
        let data = try DataDirectory.prepare(directory.file("data"))
        let logger = Logger(label: "test")
        let vaultDatabase = try SQLiteStore.open(.vault, in: data, busyTimeout: .seconds(5), logger: logger)
        let vault = try await TokenVault.open(in: data, store: SQLiteVaultStore(database: vaultDatabase), environment: [:])
        try await vault.store(
            ExchangedToken(accessToken: Secret(token), expiresAt: Date().addingTimeInterval(3600), grantedScopes: ""), for: Self.key,
            context: VaultEntryContext(
                tenantID: Self.jane.tenantID, objectID: Self.jane.objectID, username: Self.jane.username, agent: "concierge",
                audience: "api://triage",
                scopes: ["access_as_user"]))
        try vaultDatabase.close()
        let ledger = try LedgerStore.openEntries(in: data, busyTimeout: .seconds(5), logger: logger)
        let writer = try await LedgerWriter.open(
            store: SQLiteLedgerRecords(database: ledger), signer: try CheckpointSigner.load(from: data), checkpointEvery: 64)
        for index in 0..<300 {
            let user =
                index % 3 == 0
                ? Self.jane : ChainUser(tenantID: Self.jane.tenantID, objectID: UUID().uuidString.lowercased(), username: "u\(index)@contoso.com")
            try await writer.append(
                LedgerEntry(
                    chainID: UUIDv7.make(), hop: 0, kind: .downstream, user: user, agent: "itsm", actorPath: ["concierge", "itsm"],
                    target: "servicenow",
                    resource: "servicenow:incident/INC\(index)", operation: "GET", status: 200, decision: .allowed))
        }
        try await writer.checkpoint()
        try ledger.close()
        let tasks = try SQLiteStore.open(.tasks, in: data, busyTimeout: .seconds(5), logger: logger)
        try await SQLiteA2ATaskStore(database: tasks).save(
            A2ATaskRecord(
                task: A2ATask(id: "task-1", contextId: "c", status: A2ATaskStatus(state: .completed)), owner: Self.jane, agent: "concierge",
                createdAt: 1, updatedAt: 2))
        try tasks.close()
        return data
    }

    static let key = VaultKey(
        issuer: "iss", tenantID: jane.tenantID, clientID: "concierge", audience: "api://triage", scopes: ["access_as_user"],
        userAssertion: Secret("jane-assertion"))

    @Test("the copy verifies with the same hashes and checkpoints, queries return the same entries, the token opens; a second copy is refused")
    func copy() async throws {
        let source = try await populate()
        let url = try PostgresTestDatabase.clusterURL()
        let target = try PostgresTestDatabase.endpoint()
        let environment = ["BATON_VAULT_KEY": sealingKey]
        let copy = BatonProcess(
            ["storage", "copy", "--from", "sqlite:\(source.path)", "--to", "postgres:\(url)", "--schema", target.schema], environment: environment)
        #expect(try await copy.run() == 0, "\(copy.standardError)")
        #expect(copy.standardOutput.contains("copied 300 ledger entries"))
        #expect(copy.standardOutput.contains("the copied ledger verifies: 300 entries"))
        #expect(!copy.standardOutput.contains(token) && !copy.standardError.contains(token))

        let database = try await PostgresStorage.open(target, logger: Logger(label: "test"))
        let copied = LedgerReader(records: PostgresLedgerRecords(database: database), index: PostgresLedgerIndex(database: database))
        let original = try #require(try LedgerStore.openReader(in: source, busyTimeout: .seconds(5)))
        #expect(try await copied.records.checkpoints() == original.records.checkpoints())
        #expect(try await copied.records.head()?.hash == original.records.head()?.hash)
        let query = LedgerQuery(user: "jane@contoso.com", limit: 500)
        let janeCopied = try await query.run(on: copied).entries
        #expect(janeCopied.count == 100)
        #expect(janeCopied == (try await query.run(on: original).entries))
        let vault = try await TokenVault.open(in: source, store: PostgresVaultStore(database: database), environment: environment)
        #expect(try await vault.cachedToken(for: Self.key)?.accessToken.revealed == token)
        #expect(try await PostgresA2ATaskStore(database: database).task(id: "task-1", owner: Self.jane)?.task.status.state == .completed)

        let again = BatonProcess(
            ["storage", "copy", "--from", "sqlite:\(source.path)", "--to", "postgres:\(url)", "--schema", target.schema], environment: environment)
        #expect(try await again.run() == 1)
        #expect(again.standardError.contains("the target is not empty"))
        #expect(try await PostgresLedgerRecords(database: database).identity().last == 300, "the refused copy changed nothing")

        let verify = BatonProcess(
            ["audit", "verify"],
            environment: environment.merging(
                ["BATON_STORAGE_ENGINE": "postgres", "BATON_STORAGE_POSTGRES_URL": url, "BATON_STORAGE_POSTGRES_SCHEMA": target.schema]) { $1 })
        #expect(try await verify.run() == 0, "\(verify.standardError)")
        #expect(verify.standardOutput.contains("300"))
        await database.close()
    }

    @Test("without BATON_VAULT_KEY, or with a running daemon's lock held, nothing is copied")
    func refusals() async throws {
        let source = try await populate()
        let url = try PostgresTestDatabase.clusterURL()
        let target = try PostgresTestDatabase.endpoint()
        let keyless = BatonProcess(
            ["storage", "copy", "--from", "sqlite:\(source.path)", "--to", "postgres:\(url)", "--schema", target.schema], environment: [:])
        #expect(try await keyless.run() != 0)
        #expect(keyless.standardError.contains("BATON_VAULT_KEY"))
        let lock = try DirectoryLock(source.file("vault.lock"))
        let locked = BatonProcess(
            ["storage", "copy", "--from", "sqlite:\(source.path)", "--to", "postgres:\(url)", "--schema", target.schema],
            environment: ["BATON_VAULT_KEY": sealingKey])
        #expect(try await locked.run() != 0)
        #expect(locked.standardError.contains("stop it first"))
        withExtendedLifetime(lock) {}
        let badURL = BatonProcess(
            ["storage", "copy", "--from", "sqlite:\(source.path)", "--to", "postgres:mysql://u:hunter2@h/d"],
            environment: ["BATON_VAULT_KEY": sealingKey])
        #expect(try await badURL.run() != 0)
        #expect(!badURL.standardError.contains("hunter2"))
    }
}
