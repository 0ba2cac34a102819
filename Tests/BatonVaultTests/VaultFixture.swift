import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import BatonVault

/// A data directory with a migrated vault database (SQLite), or a fresh schema of the test
/// cluster (PostgreSQL), and ways to open vaults on it.
struct VaultFixture {
    let engine: StorageEngine
    let root: TemporaryDirectory
    let directory: DataDirectory
    let store: any VaultStore
    /// SQLite only.
    let sqlite: DatabasePool?
    /// PostgreSQL only.
    let postgres: PostgresStorage?

    /// A SQLite vault (for what only SQLite has: files, backups).
    init() throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        let database = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
        engine = .sqlite
        sqlite = database
        postgres = nil
        store = SQLiteVaultStore(database: database)
    }

    private init(postgres: PostgresStorage) throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        engine = .postgres
        sqlite = nil
        self.postgres = postgres
        store = PostgresVaultStore(database: postgres)
    }

    /// A fresh vault store on `engine`.
    static func open(_ engine: StorageEngine) async throws -> VaultFixture {
        switch engine {
        case .sqlite: try VaultFixture()
        case .postgres: try VaultFixture(postgres: try await PostgresTestDatabase.open())
        }
    }

    /// SQLite only: the vault database.
    var database: DatabasePool { sqlite! }

    /// The `BATON_VAULT_KEY` a shared store needs, when a test gives none.
    static let sealingKey = Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()

    func vault(environment: [String: String] = [:], now: @escaping @Sendable () -> Date = Date.init, hotCapacity: Int = 100) async throws
        -> TokenVault
    {
        var environment = environment
        if engine == .postgres, environment["BATON_VAULT_KEY"] == nil { environment["BATON_VAULT_KEY"] = Self.sealingKey }
        return try await TokenVault.open(in: directory, store: store, environment: environment, hotCapacity: hotCapacity, now: now)
    }

    /// Runs SQL on the vault's database (`sqlite` on SQLite, `postgres` on PostgreSQL).
    func execute(sqlite sqliteSQL: String, postgres postgresSQL: String? = nil) async throws {
        switch engine {
        case .sqlite: try await database.write { db in try db.execute(sql: sqliteSQL) }
        case .postgres: try await postgres!.query(PostgresQuery(unsafeSQL: postgresSQL ?? sqliteSQL)).drain()
        }
    }

    /// The master key ids the store records.
    func masterKeyIDs() async throws -> [String] {
        try await store.masterKeyChecks().map(\.keyID).sorted()
    }

    /// A context for Jane (or another user) and an agent.
    static func context(oid: String = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa", agent: String = "concierge") -> VaultEntryContext {
        VaultEntryContext(
            tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: oid, username: "jane@contoso.com", agent: agent, audience: "api://triage",
            scopes: ["access_as_user"])
    }

    static func key(_ assertion: String, audience: String = "api://triage") -> VaultKey {
        VaultKey(
            issuer: "https://idp/t/v2.0", tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", clientID: "concierge", audience: audience,
            scopes: ["access_as_user"], userAssertion: Secret(assertion))
    }

    static func token(_ value: String, lifetime: TimeInterval = 3600) -> ExchangedToken {
        ExchangedToken(accessToken: Secret(value), expiresAt: Date().addingTimeInterval(lifetime), grantedScopes: "api://triage/access_as_user")
    }

    /// Every byte of the vault's files on disk.
    func bytesOnDisk() throws -> Data {
        var data = Data()
        for suffix in ["", "-wal"] {
            if let contents = FileManager.default.contents(atPath: directory.file("vault.sqlite" + suffix)) { data += contents }
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix("vault.sqlite") {
            data += FileManager.default.contents(atPath: directory.file(name)) ?? Data()
        }
        return data
    }
}
