import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonVault

/// A data directory with a migrated vault database, and ways to open vaults on it.
struct VaultFixture {
    let root: TemporaryDirectory
    let directory: DataDirectory
    let database: DatabasePool

    init() throws {
        root = try TemporaryDirectory()
        directory = try DataDirectory.prepare(root.file("data"))
        database = try SQLiteStore.open(.vault, in: directory, busyTimeout: .seconds(5), logger: Logger(label: "test"))
    }

    func vault(environment: [String: String] = [:], now: @escaping @Sendable () -> Date = Date.init, hotCapacity: Int = 100) async throws
        -> TokenVault
    {
        try await TokenVault.open(
            in: directory, store: SQLiteVaultStore(database: database), environment: environment, hotCapacity: hotCapacity, now: now)
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
