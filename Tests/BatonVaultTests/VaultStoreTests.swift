import BatonCore
import BatonIdentity
import BatonStorage
import BatonTestSupport
import Foundation
import Synchronization
import Testing

@testable import BatonVault

/// A second engine behind the seam, in memory: the vault must work on any ``VaultStore``
/// that keeps what it is given (PostgreSQL will be the next).
final class MemoryVaultStore: VaultStore {
    private struct State {
        var checks: [String: MasterKeyCheck] = [:]
        var keys: [String: WrappedDataKey] = [:]
        var entries: [String: SealedEntry] = [:]
        var lookups = VaultCounters()
    }

    private let state = Mutex(State())

    private static func user(_ tenantID: String, _ objectID: String) -> String { "\(tenantID):\(objectID)" }
    private static func entry(_ key: [UInt8], _ kind: SealedEntry.Kind) -> String { "\(Hex.encode(key)):\(kind.rawValue)" }

    func masterKeyChecks() throws -> [MasterKeyCheck] { state.withLock { Array($0.checks.values) } }

    func dataKeyCount(wrappedBy masterKeyID: String) throws -> Int {
        state.withLock { $0.keys.values.filter { $0.masterKeyID == masterKeyID }.count }
    }

    func recordMasterKey(_ check: MasterKeyCheck) throws {
        state.withLock { state in
            if state.checks[check.keyID] == nil { state.checks[check.keyID] = check }
        }
    }

    func wrappedDataKey(tenantID: String, objectID: String) throws -> WrappedDataKey? {
        state.withLock { $0.keys[Self.user(tenantID, objectID)] }
    }

    func insertDataKey(_ key: WrappedDataKey) throws -> WrappedDataKey {
        state.withLock { state in
            let id = Self.user(key.tenantID, key.objectID)
            if let kept = state.keys[id] { return kept }
            state.keys[id] = key
            return key
        }
    }

    func rewrapDataKeys(
        recording active: MasterKeyCheck, replacingKeyring: (old: Data, new: Data)?,
        _ rewrap: @escaping @Sendable (WrappedDataKey) throws -> WrappedDataKey
    ) throws -> Int {
        try state.withLock { state in
            var keys = state.keys
            for (id, key) in keys { keys[id] = try rewrap(key) }
            state.keys = keys
            state.checks = [active.keyID: active]
            return keys.count
        }
    }

    func put(_ entry: SealedEntry) throws { state.withLock { $0.entries[Self.entry(entry.key, entry.kind)] = entry } }

    func entry(key: [UInt8], kind: SealedEntry.Kind, unexpiredAt now: Date) throws -> SealedEntry? {
        state.withLock { $0.entries[Self.entry(key, kind)].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    func remove(key: [UInt8]) throws {
        state.withLock { state in state.entries = state.entries.filter { $0.value.key != key } }
    }

    func purge(tenantID: String, objectID: String) throws -> Int {
        state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { !($0.value.context.tenantID == tenantID && $0.value.context.objectID == objectID) }
            state.keys[Self.user(tenantID, objectID)] = nil
            return before - state.entries.count
        }
    }

    func purge(agent: String) throws -> Int {
        state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.context.agent != agent }
            return before - state.entries.count
        }
    }

    func sweep(expiredAt now: Date) throws -> Int {
        state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.expiresAt > now }
            return before - state.entries.count
        }
    }

    func addLookups(_ counters: VaultCounters) throws {
        state.withLock { state in
            state.lookups.hotHits += counters.hotHits
            state.lookups.storeHits += counters.storeHits
            state.lookups.misses += counters.misses
        }
    }

    func entries(user: String?, agent: String?) throws -> [VaultCatalog.Entry] {
        state.withLock { state in
            state.entries.values.filter { entry in
                (user.map { entry.context.username?.lowercased() == $0.lowercased() || entry.context.objectID == $0.lowercased() } ?? true)
                    && (agent.map { entry.context.agent == $0 } ?? true)
            }.sorted { $0.expiresAt < $1.expiresAt }.map {
                VaultCatalog.Entry(
                    kind: $0.kind.rawValue, tenantID: $0.context.tenantID, objectID: $0.context.objectID, username: $0.context.username,
                    agent: $0.context.agent, audience: $0.context.audience, scopes: $0.context.scopes.canonical, expiresAt: $0.expiresAt)
            }
        }
    }

    func users(matching user: String) throws -> [(tenantID: String, objectID: String)] {
        try entries(user: user, agent: nil).map { ($0.tenantID, $0.objectID) }
    }

    func statistics(now: Date) throws -> VaultCatalog.Statistics {
        state.withLock { state in
            VaultCatalog.Statistics(
                accessTokens: state.entries.values.filter { $0.kind == .access }.count,
                refreshTokens: state.entries.values.filter { $0.kind == .refresh }.count, users: state.keys.count,
                expiredAwaitingSweep: state.entries.values.filter { $0.expiresAt <= now }.count, hotHits: state.lookups.hotHits,
                storeHits: state.lookups.storeHits, misses: state.lookups.misses)
        }
    }

    /// Every byte the store holds, to prove no token is among them.
    var bytes: Data {
        state.withLock { state in
            state.entries.values.reduce(into: Data()) { $0 += $1.sealed } + state.keys.values.reduce(into: Data()) { $0 += $1.wrapped }
        }
    }
}

@Suite("The vault's storage seam: TokenVault on another VaultStore")
struct VaultStoreTests {
    @Test("tokens round-trip sealed through any store; a second vault on the same store reads them; no store byte is a token")
    func roundTrip() async throws {
        let root = try TemporaryDirectory()
        let directory = try DataDirectory.prepare(root.file("data"))
        let store = MemoryVaultStore()
        let vault = try await TokenVault.open(in: directory, store: store, environment: [:])
        let key = VaultFixture.key("assertion")
        try await vault.store(VaultFixture.token("secret-token-bytes"), for: key, context: VaultFixture.context())
        let other = try await TokenVault.open(in: directory, store: store, environment: [:])
        let found = try #require(try await other.cachedToken(for: key))
        #expect(found.source == .store && found.accessToken.revealed == "secret-token-bytes")
        #expect(store.bytes.range(of: Data("secret-token-bytes".utf8)) == nil, "the store only ever holds sealed bytes")
    }

    @Test("rotation re-wraps through the store; purge destroys the user's key, so a copy of the store cannot unseal")
    func rotationAndPurge() async throws {
        let root = try TemporaryDirectory()
        let directory = try DataDirectory.prepare(root.file("data"))
        let store = MemoryVaultStore()
        let vault = try await TokenVault.open(in: directory, store: store, environment: [:])
        let key = VaultFixture.key("assertion")
        try await vault.store(VaultFixture.token("t"), for: key, context: VaultFixture.context())
        #expect(try await vault.rotateMasterKey() == 1)
        #expect(try await store.masterKeyChecks().map(\.keyID) == [await vault.activeMasterKeyID])
        #expect(try await TokenVault.open(in: directory, store: store, environment: [:]).cachedToken(for: key)?.accessToken.revealed == "t")
        #expect(try await vault.purge(tenantID: VaultFixture.context().tenantID, objectID: VaultFixture.context().objectID) == 1)
        #expect(try store.statistics(now: Date()).users == 0)
        #expect(try await TokenVault.open(in: directory, store: store, environment: [:]).cachedToken(for: key) == nil)
    }
}
