import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import Crypto
import Foundation
import GRDB
import Logging
import Testing

@testable import BatonVault

@Suite("The token vault")
struct TokenVaultTests {
    @Test("a stored token is a hot hit, then a store hit from a fresh vault on the same database", arguments: StorageEngine.allCases)
    func tiers(engine: StorageEngine) async throws {
        let fixture = try await VaultFixture.open(engine)
        let key = VaultFixture.key("assertion-1")
        let vault = try await fixture.vault()
        #expect(try await vault.cachedToken(for: key) == nil)
        try await vault.store(VaultFixture.token("token-value-1"), for: key, context: VaultFixture.context())
        #expect(try await vault.cachedToken(for: key)?.source == .hot)
        let reopened = try await fixture.vault()
        let fromStore = try #require(try await reopened.cachedToken(for: key))
        #expect(fromStore.source == .store)
        #expect(fromStore.accessToken.revealed == "token-value-1")
        #expect(try await reopened.cachedToken(for: key)?.source == .hot)
        #expect(await reopened.counters == VaultCounters(hotHits: 1, storeHits: 1, misses: 0))
    }

    @Test("the database and keyring files never contain a stored token's bytes")
    func sealedOnDisk() async throws {
        let fixture = try VaultFixture()
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLW9mLWphbmVzLXRva2Vu"
        let vault = try await fixture.vault()
        try await vault.store(VaultFixture.token(token), for: VaultFixture.key("a"), context: VaultFixture.context())
        let disk = try fixture.bytesOnDisk()
        for part in token.split(separator: ".") { #expect(disk.range(of: Data(part.utf8)) == nil, "\(part)") }
        #expect(disk.range(of: Data("jane@contoso.com".utf8)) != nil, "metadata is plain, tokens are not")
    }

    @Test("an expired token is never served, by either tier, and is swept", arguments: StorageEngine.allCases)
    func expiry(engine: StorageEngine) async throws {
        let fixture = try await VaultFixture.open(engine)
        let clock = TestClock()
        let vault = try await fixture.vault(now: { clock.now })
        let key = VaultFixture.key("a")
        try await vault.store(VaultFixture.token("t", lifetime: 120), for: key, context: VaultFixture.context())
        clock.advance(by: 121)
        #expect(try await vault.cachedToken(for: key) == nil)
        #expect(try await fixture.vault(now: { clock.now }).cachedToken(for: key) == nil)
        #expect(try await vault.sweepExpired() == 1)
    }

    @Test("a sealed value moved to another entry does not open", arguments: StorageEngine.allCases)
    func boundToItsEntry(engine: StorageEngine) async throws {
        let fixture = try await VaultFixture.open(engine)
        let vault = try await fixture.vault()
        try await vault.store(VaultFixture.token("first"), for: VaultFixture.key("a"), context: VaultFixture.context())
        try await vault.store(VaultFixture.token("second"), for: VaultFixture.key("b"), context: VaultFixture.context())
        let (a, b) = (Hex.encode(VaultFixture.key("a").bytes), Hex.encode(VaultFixture.key("b").bytes))
        try await fixture.execute(
            sqlite: "UPDATE vault_entries SET sealed = (SELECT sealed FROM vault_entries WHERE entry_key = x'\(a)') WHERE entry_key = x'\(b)'",
            postgres:
                "UPDATE vault_entries SET sealed = (SELECT sealed FROM vault_entries WHERE entry_key = '\\x\(a)'::bytea) WHERE entry_key = '\\x\(b)'::bytea"
        )
        await #expect(throws: VaultError.unsealFailed("authentication failed")) { try await fixture.vault().cachedToken(for: VaultFixture.key("b")) }
    }

    @Test("purging a user removes their tokens, and a copy of the database taken before cannot be unsealed with the current keys")
    func purgeUser() async throws {
        let fixture = try VaultFixture()
        let vault = try await fixture.vault()
        let jane = VaultFixture.context()
        let harriet = VaultFixture.context(oid: "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1")
        try await vault.store(VaultFixture.token("jane-token"), for: VaultFixture.key("jane"), context: jane)
        try await vault.store(VaultFixture.token("harriet-token"), for: VaultFixture.key("harriet"), context: harriet)
        let backupPath = fixture.root.file("backup.sqlite")
        try await fixture.database.backup(to: DatabaseQueue(path: backupPath))
        let keyBefore = await vault.activeMasterKeyID

        #expect(try await vault.purge(tenantID: jane.tenantID, objectID: jane.objectID) == 1)
        #expect(try await vault.cachedToken(for: VaultFixture.key("jane")) == nil)
        #expect(try await fixture.vault().cachedToken(for: VaultFixture.key("harriet"))?.accessToken.revealed == "harriet-token")
        #expect(await vault.activeMasterKeyID != keyBefore, "purging rotates the master key")

        let backup = try DatabasePool(path: backupPath)
        await #expect(throws: VaultError.self) {
            let restored = try await TokenVault.open(in: fixture.directory, store: SQLiteVaultStore(database: backup), environment: [:])
            _ = try await restored.cachedToken(for: VaultFixture.key("jane"))
        }
    }

    @Test("purging an agent removes exactly its tokens", arguments: StorageEngine.allCases)
    func purgeAgent(engine: StorageEngine) async throws {
        let fixture = try await VaultFixture.open(engine)
        let vault = try await fixture.vault()
        try await vault.store(VaultFixture.token("a"), for: VaultFixture.key("1"), context: VaultFixture.context(agent: "concierge"))
        try await vault.store(VaultFixture.token("b"), for: VaultFixture.key("2"), context: VaultFixture.context(agent: "itsm"))
        #expect(try await vault.purge(agent: "itsm") == 1)
        #expect(try await vault.cachedToken(for: VaultFixture.key("2")) == nil)
        #expect(try await vault.cachedToken(for: VaultFixture.key("1")) != nil)
    }

    @Test("rotating the master key re-wraps data keys and keeps every entry readable", arguments: StorageEngine.allCases)
    func rotation(engine: StorageEngine) async throws {
        let fixture = try await VaultFixture.open(engine)
        let vault = try await fixture.vault()
        for index in 0..<5 {
            try await vault.store(
                VaultFixture.token("token-\(index)"), for: VaultFixture.key("\(index)"),
                context: VaultFixture.context(oid: UUID().uuidString.lowercased()))
        }
        let before = await vault.activeMasterKeyID
        #expect(try await vault.rotateMasterKey() == 5)
        #expect(await vault.activeMasterKeyID != before)
        let reopened = try await fixture.vault()
        for index in 0..<5 {
            #expect(try await reopened.cachedToken(for: VaultFixture.key("\(index)"))?.accessToken.revealed == "token-\(index)")
        }
        #expect(try await fixture.masterKeyIDs() == [await vault.activeMasterKeyID])
    }

    @Test("a wrong, missing or malformed BATON_VAULT_KEY is refused clearly, never read as garbage")
    func wrongKey() async throws {
        let fixture = try VaultFixture()
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let vault = try await fixture.vault(environment: ["BATON_VAULT_KEY": key])
        try await vault.store(VaultFixture.token("t"), for: VaultFixture.key("a"), context: VaultFixture.context())
        let keyringPath = fixture.directory.file(VaultKeyring.fileName)
        #expect(String(decoding: FileManager.default.contents(atPath: keyringPath)!, as: UTF8.self).hasPrefix("baton-keyring-sealed-v1"))

        let other = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
        await #expect(throws: VaultError.wrongKey("BATON_VAULT_KEY does not open \(keyringPath)")) {
            try await fixture.vault(environment: ["BATON_VAULT_KEY": other])
        }
        await #expect(throws: VaultError.keyringSealed(path: keyringPath)) { try await fixture.vault() }
        await #expect(throws: VaultError.malformedEnvironmentKey) { try await fixture.vault(environment: ["BATON_VAULT_KEY": "short"]) }

        try FileManager.default.removeItem(atPath: keyringPath)
        let error = await #expect(throws: VaultError.self) { try await fixture.vault(environment: ["BATON_VAULT_KEY": key]) }
        #expect(error?.code == "vault_wrong_key")
        #expect(error?.description.contains("which the keyring does not hold") == true)
        #expect(try permissions(of: keyringPath) == 0o600)
    }

    @Test("the hot tier is bounded and evicts the least recently used entry")
    func hotTierBound() async throws {
        var cache = HotTokenCache(capacity: 2)
        let entry = HotTokenCache.Entry(token: Secret("t"), expiresAt: .distantFuture, tenantID: "t", objectID: "o", agent: "a")
        cache.put(VaultFixture.key("1"), entry)
        cache.put(VaultFixture.key("2"), entry)
        #expect(cache.get(VaultFixture.key("1"), now: Date()) != nil)
        cache.put(VaultFixture.key("3"), entry)
        #expect(cache.count == 2)
        #expect(cache.get(VaultFixture.key("2"), now: Date()) == nil, "2 was least recently used")
        #expect(cache.get(VaultFixture.key("1"), now: Date()) != nil)
    }
}

/// A settable clock for expiry tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    var now: Date { lock.withLock { Date().addingTimeInterval(offset) } }

    func advance(by seconds: TimeInterval) {
        lock.withLock { offset += seconds }
    }
}
