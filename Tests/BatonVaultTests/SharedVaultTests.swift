import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import Foundation
import Synchronization
import Testing

@testable import BatonVault

/// Two daemons on one PostgreSQL vault: each is a ``TokenVault`` on its own connection pool.
@Suite("A vault several daemons share on PostgreSQL")
struct SharedVaultTests {
    /// A second daemon's vault on `fixture`'s schema.
    private func secondDaemon(_ fixture: VaultFixture, now: @escaping @Sendable () -> Date = Date.init) async throws -> (TokenVault, PostgresStorage)
    {
        let database = try await PostgresTestDatabase.reopen(try #require(fixture.postgres))
        let vault = try await TokenVault.open(
            in: fixture.directory, store: PostgresVaultStore(database: database), environment: ["BATON_VAULT_KEY": VaultFixture.sealingKey], now: now)
        return (vault, database)
    }

    @Test("a token one daemon stored is a store hit on the other; both read one keyring from the database")
    func sharedEntries() async throws {
        let fixture = try await VaultFixture.open(.postgres)
        let first = try await fixture.vault()
        let (second, database) = try await secondDaemon(fixture)
        try await first.store(VaultFixture.token("shared-token"), for: VaultFixture.key("a"), context: VaultFixture.context())
        let found = try #require(try await second.cachedToken(for: VaultFixture.key("a")))
        #expect(found.source == .store && found.accessToken.revealed == "shared-token")
        #expect(await first.activeMasterKeyID == second.activeMasterKeyID)
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file(VaultKeyring.fileName)), "no keyring file: the database keeps it")
        await database.close()
    }

    @Test("without BATON_VAULT_KEY a shared vault refuses to open, saying why")
    func needsSealingKey() async throws {
        let fixture = try await VaultFixture.open(.postgres)
        let error = await #expect(throws: VaultError.sharedKeyringNeedsKey) {
            try await TokenVault.open(in: fixture.directory, store: fixture.store, environment: [:])
        }
        #expect(error?.description.contains("BATON_VAULT_KEY") == true)
        let wrong = Data(repeating: 9, count: 32).base64EncodedString()
        _ = try await fixture.vault()
        await #expect(throws: VaultError.self) {
            try await TokenVault.open(in: fixture.directory, store: fixture.store, environment: ["BATON_VAULT_KEY": wrong])
        }
    }

    @Test("a purge on one daemon drops the user's token from the other's hot tier at once (LISTEN/NOTIFY), and rotates the key for both")
    func purgeAcrossDaemons() async throws {
        let fixture = try await VaultFixture.open(.postgres)
        let first = try await fixture.vault()
        let (second, database) = try await secondDaemon(fixture)
        let following = Task { await second.followPurges() }
        defer { following.cancel() }
        let jane = VaultFixture.context()
        let harriet = VaultFixture.context(oid: "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1")
        try await first.store(VaultFixture.token("jane-token"), for: VaultFixture.key("jane"), context: jane)
        try await first.store(VaultFixture.token("harriet-token"), for: VaultFixture.key("harriet"), context: harriet)
        #expect(try await second.cachedToken(for: VaultFixture.key("jane"))?.source == .store)
        #expect(try await second.cachedToken(for: VaultFixture.key("jane"))?.source == .hot, "the second daemon holds Jane's token in memory")

        let keyBefore = await first.activeMasterKeyID
        #expect(try await first.purge(tenantID: jane.tenantID, objectID: jane.objectID) == 1)
        let deadline = ContinuousClock.now + .seconds(30)
        while try await second.cachedToken(for: VaultFixture.key("jane")) != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await second.cachedToken(for: VaultFixture.key("jane")) == nil, "dropped from the other daemon's hot tier")
        #expect(await first.activeMasterKeyID != keyBefore)
        #expect(try await fixture.masterKeyIDs() == [await first.activeMasterKeyID])
        // The second daemon still holds the old keyring: it reads the rotated one when it meets a re-wrapped key.
        let reopened = try await secondDaemon(fixture)
        #expect(try await reopened.0.cachedToken(for: VaultFixture.key("harriet"))?.accessToken.revealed == "harriet-token")
        await reopened.1.close()
        await database.close()
    }

    @Test("a daemon whose keyring another daemon rotated stores a new user's token under the rotated key, readable by both")
    func staleKeyring() async throws {
        let fixture = try await VaultFixture.open(.postgres)
        let first = try await fixture.vault()
        let (second, database) = try await secondDaemon(fixture)
        try await first.store(VaultFixture.token("a"), for: VaultFixture.key("a"), context: VaultFixture.context())
        _ = try await first.rotateMasterKey()
        _ = try await first.rotateMasterKey()
        let newcomer = VaultFixture.context(oid: "0e3e8720-aa21-5e23-b54f-dde0470eb9ec")
        try await second.store(VaultFixture.token("new-user-token"), for: VaultFixture.key("n"), context: newcomer)
        #expect(await second.activeMasterKeyID == first.activeMasterKeyID, "the second daemon read the rotated keyring")
        #expect(try await fixture.vault().cachedToken(for: VaultFixture.key("n"))?.accessToken.revealed == "new-user-token")
        // Both rotate at once: one wins, the other reads its keyring and rotates after it; every entry stays readable.
        async let one = first.rotateMasterKey()
        async let two = second.rotateMasterKey()
        _ = try await (one, two)
        let fresh = try await fixture.vault()
        #expect(try await fresh.cachedToken(for: VaultFixture.key("a"))?.accessToken.revealed == "a")
        #expect(try await fresh.cachedToken(for: VaultFixture.key("n"))?.accessToken.revealed == "new-user-token")
        #expect(try await fixture.masterKeyIDs().count == 1)
        await database.close()
    }

    @Test("N concurrent first requests for one user and audience, spread over two daemons, cause exactly one exchange")
    func oneExchangeAcrossDaemons() async throws {
        let fixture = try await VaultFixture.open(.postgres)
        let (second, database) = try await secondDaemon(fixture)
        let identityProvider = CountingExchanger()
        let brokers = [
            TokenBroker(exchanger: identityProvider, cache: try await fixture.vault()), TokenBroker(exchanger: identityProvider, cache: second),
        ]
        let request = ExchangeRequest(
            subjectToken: Secret("jane-assertion"),
            client: ExchangeClient(clientID: "concierge", credential: .secret(Secret("s")), tokenEndpoint: "https://idp/token"),
            resource: "api://triage", scopes: ["access_as_user"])
        let tokens = try await withThrowingTaskGroup(of: BrokeredToken.self) { group in
            for index in 0..<24 {
                let broker = brokers[index % 2]
                group.addTask { try await broker.token(for: request, issuer: "https://idp/t/v2.0", context: VaultFixture.context()) }
            }
            return try await group.reduce(into: [BrokeredToken]()) { $0.append($1) }
        }
        #expect(identityProvider.exchanges == 1, "one exchange at the identity provider for 24 requests on 2 daemons")
        #expect(Set(tokens.map(\.accessToken.revealed)) == ["token-1"])
        #expect(tokens.filter { $0.source == .identityProvider }.count >= 1)
        #expect(tokens.contains { $0.source != .identityProvider }, "the other daemon's callers got the stored token")
        await database.close()
    }
}

/// An identity provider that takes a while to answer and counts what it is asked.
final class CountingExchanger: TokenExchanger {
    private let count = Mutex(0)

    var exchanges: Int { count.withLock { $0 } }

    func exchange(_ request: ExchangeRequest) async throws(ExchangeError) -> ExchangedToken {
        let number = count.withLock { count in
            count += 1
            return count
        }
        try? await Task.sleep(for: .milliseconds(300))
        return ExchangedToken(
            accessToken: Secret("token-\(number)"), expiresAt: Date().addingTimeInterval(3600), grantedScopes: "api://triage/access_as_user")
    }

    func redeem(_ refreshToken: Secret, client: ExchangeClient, resource: String, scopes: ScopeSet) async throws(ExchangeError) -> ExchangedToken {
        throw .unavailable(reason: "not used")
    }
}
