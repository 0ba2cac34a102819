import BatonCore
import Crypto
import Foundation
import Synchronization
import Testing

@testable import BatonLedger

/// A second engine behind the ledger's seam, in memory: the writer, the indexer, queries
/// and the verifier must work on any ``LedgerRecordStore`` and ``LedgerIndexStore`` that
/// keep what they are given (PostgreSQL will be the next).
final class MemoryLedgerRecords: LedgerRecordStore {
    /// A record's bytes at a fixed address, so a cursor can lend them out.
    final class Bytes: @unchecked Sendable {  // immutable after init
        let buffer: UnsafeMutableRawBufferPointer

        init(_ bytes: [UInt8]) {
            buffer = .allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
        }

        deinit { buffer.deallocate() }
    }

    struct Row {
        var record: Bytes
        var hash: Bytes
    }

    private struct State {
        var rows: [Int64: Row] = [:]
        var checkpoints: [Int64: StoredCheckpoint] = [:]
        var tiles: [TileKey: [UInt8]] = [:]
    }

    private let state = Mutex(State())
    let instance = UUID().uuidString

    /// Changes the stored rows the way an attacker with write access could.
    func tamper(_ change: (inout [Int64: Row]) -> Void) {
        state.withLock { change(&$0.rows) }
    }

    func identity() async throws -> LedgerIdentity {
        LedgerIdentity(instance: instance, last: state.withLock { $0.rows.keys.max() ?? 0 })
    }

    func head() async throws -> (sequence: Int64, hash: [UInt8])? {
        state.withLock { state in state.rows.keys.max().map { ($0, Array(state.rows[$0]!.hash.buffer)) } }
    }

    func hash(at sequence: Int64) async throws -> [UInt8]? {
        state.withLock { $0.rows[sequence].map { Array($0.hash.buffer) } }
    }

    func checkpoints() async throws -> [StoredCheckpoint] {
        state.withLock { $0.checkpoints.values.sorted { $0.sequence < $1.sequence } }
    }

    func records<T: Sendable>(
        from first: Int64, through last: Int64, limit: Int, _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T
    ) async throws -> T {
        let rows = state.withLock { $0.rows.filter { (first...last).contains($0.key) }.sorted { $0.key < $1.key }.prefix(limit) }
        return try cursor(over: rows.map { ($0.key, $0.value) }, body)
    }

    func records<T: Sendable>(at sequences: [Int64], _ body: @escaping @Sendable (inout LedgerRecordCursor) throws -> T) async throws -> T {
        let rows = state.withLock { state in sequences.compactMap { sequence in state.rows[sequence].map { (sequence, $0) } } }
        return try cursor(over: rows, body)
    }

    private func cursor<T>(over rows: [(Int64, Row)], _ body: (inout LedgerRecordCursor) throws -> T) throws -> T {
        var remaining = rows[...]
        var cursor = LedgerRecordCursor {
            remaining.popFirst().map {
                StoredRecordView(sequence: $0.0, record: UnsafeRawBufferPointer($0.1.record.buffer), hash: UnsafeRawBufferPointer($0.1.hash.buffer))
            }
        }
        return try withExtendedLifetime(rows) { try body(&cursor) }
    }

    func tile(level: Int, index: Int64) async throws -> [UInt8]? {
        state.withLock { $0.tiles[TileKey(level: level, index: index)] }
    }

    func treeSize() async throws -> Int64 {
        state.withLock { state in
            guard let last = state.tiles.keys.filter({ $0.level == 0 }).map(\.index).max() else { return 0 }
            return last * 256 + Int64(state.tiles[TileKey(level: 0, index: last)]!.count / 32)
        }
    }

    func tiles(at keys: [TileKey]) async throws -> [TileKey: [UInt8]] {
        state.withLock { state in keys.reduce(into: [:]) { found, key in found[key] = state.tiles[key] } }
    }

    func extent() async throws -> (last: Int64, treeSize: Int64) {
        (try await identity().last, try await treeSize())
    }

    func latestNotedCheckpoint() async throws -> StoredCheckpoint? {
        state.withLock { $0.checkpoints.values.filter { $0.note != nil }.max { $0.sequence < $1.sequence } }
    }

    func append<Result: Sendable>(_ seal: @escaping @Sendable (LedgerAppendHead) async throws -> (SealedBatch, Result)) async throws -> Result {
        let head = try await self.head() ?? (0, LedgerWriter.genesis)
        let (batch, result) = try await seal(LedgerAppendHead(sequence: head.sequence, hash: head.hash) { try await self.tile(level: $0, index: $1) })
        try state.withLock { state in
            guard state.rows.keys.max() ?? 0 == head.sequence else { throw LedgerError.writeFailed("another writer appended") }
            for record in batch.records { state.rows[record.sequence] = Row(record: Bytes(record.record), hash: Bytes(record.hash)) }
            for tile in batch.tiles { state.tiles[TileKey(level: tile.level, index: tile.index)] = tile.hashes }
        }
        return result
    }

    func saveTiles(_ tiles: [StoredTile]) async throws {
        state.withLock { state in
            for tile in tiles { state.tiles[TileKey(level: tile.level, index: tile.index)] = tile.hashes }
        }
    }

    func saveCheckpoint(_ checkpoint: StoredCheckpoint) async throws {
        state.withLock { $0.checkpoints[checkpoint.sequence] = checkpoint }
    }
}

/// The query index in memory.
final class MemoryLedgerIndex: LedgerIndexStore {
    private struct State {
        var state: LedgerIndexState?
        var rows: Set<IndexRow> = []
        var names: Set<IndexRows.UserName> = []
    }

    private let stored = Mutex(State())

    /// Drops the index rows of entry `sequence`, as a damaged index might.
    func dropRows(of sequence: Int64) {
        stored.withLock { $0.rows = $0.rows.filter { $0.sequence != sequence } }
    }

    func state() async throws -> LedgerIndexState? {
        stored.withLock { stored in
            let days = stored.rows.map(\.day)
            return stored.state.map {
                LedgerIndexState(ledgerInstance: $0.ledgerInstance, indexedThrough: $0.indexedThrough, days: days.min().map { $0...days.max()! })
            }
        }
    }

    func candidates(_ probe: IndexProbe, after: Int64, through: Int64, limit: Int) async throws -> [Int64] {
        let rows = stored.withLock { $0.rows }
        let matching = rows.filter { row in
            row.dimension == probe.dimension.rawValue && probe.days.contains(row.day) && probe.keys.contains(row.key)
                && (probe.since..<probe.until).contains(row.timestamp) && row.sequence > after && row.sequence <= through
        }
        return Array(matching.map(\.sequence).sorted().prefix(limit))
    }

    func objectIDs(named name: String) async throws -> Set<String> {
        Set(stored.withLock { $0.names.filter { $0.name == name }.map(\.objectID) })
    }

    func firstMissing(_ rows: [IndexRow]) async throws -> Int64? {
        let held = stored.withLock { $0.rows }
        return rows.filter { !held.contains($0) }.map(\.sequence).min()
    }

    func reset(describing ledger: String) async throws {
        stored.withLock { $0 = State(state: LedgerIndexState(ledgerInstance: ledger, indexedThrough: 0, days: nil)) }
    }

    func forget() async throws {
        stored.withLock { $0.state = nil }
    }

    func add(_ rows: IndexRows, after from: Int64, through last: Int64) async throws -> Int64 {
        stored.withLock { stored in
            guard let state = stored.state, state.indexedThrough == from else { return stored.state?.indexedThrough ?? 0 }
            stored.rows.formUnion(rows.rows)
            stored.names.formUnion(rows.userNames)
            stored.state = LedgerIndexState(ledgerInstance: state.ledgerInstance, indexedThrough: last, days: nil)
            return last
        }
    }
}

@Suite("The ledger's storage seam: writer, indexer, queries and verifier on another engine")
struct LedgerStoreSeamTests {
    static let jane = "a4fda3b2-0738-59b8-b7a1-849d73fb98aa"
    static let harriet = "efc14c1c-1a19-5cb2-bcbe-80bf221c1fb1"

    /// 30 entries of two users, indexed through entry 20; 10 more not yet indexed.
    private func ledger() async throws -> (MemoryLedgerRecords, MemoryLedgerIndex, CheckpointSigner, [LedgerEntry]) {
        let records = MemoryLedgerRecords()
        let index = MemoryLedgerIndex()
        let signer = CheckpointSigner(key: .init())
        let writer = try await LedgerWriter.open(store: records, signer: signer, checkpointEvery: 10)
        let indexer = try await LedgerIndexer.open(records: records, index: index)
        var written: [LedgerEntry] = []
        for number in 1...30 {
            var entry = LedgerFixture.entry(number, user: number % 2 == 0 ? Self.jane : Self.harriet)
            entry.user?.username = number % 2 == 0 ? "jane@contoso.com" : "harriet@contoso.com"
            entry.sequence = try await writer.append(entry)
            written.append(entry)
            if number == 20 { #expect(try await indexer.catchUp() == 20) }
        }
        try await writer.checkpoint()
        return (records, index, signer, written)
    }

    @Test("queries find exactly the matching entries, through the index and beyond its watermark")
    func queries() async throws {
        let (records, index, _, written) = try await ledger()
        let reader = LedgerReader(records: records, index: index)
        #expect(try await LedgerSearch.reach(of: reader).watermark == 20)
        let janes = try await LedgerQuery(user: "JANE@contoso.com", limit: 100).run(on: reader).entries
        #expect(janes == written.filter { $0.user?.objectID == Self.jane })
        #expect(janes.count == 15)
        let chain = written[13].chainID
        #expect(try await LedgerQuery(chainID: chain, limit: 100).run(on: reader).entries == written.filter { $0.chainID == chain })
        let owner = ChainUser(tenantID: "adee7793-9972-5755-8b10-f72a6db321e6", objectID: Self.harriet, username: nil)
        let harriets = try await LedgerQuery(chainsOf: owner, limit: 100).run(on: reader).entries
        #expect(Set(harriets.map(\.chainID)) == Set(written.filter { $0.user?.objectID == Self.harriet }.map(\.chainID)))
        var page = try await LedgerQuery(limit: 7).run(on: reader)
        var all = page.entries
        while let next = page.nextCursor {
            page = try await LedgerQuery(after: next, limit: 7).run(on: reader)
            all += page.entries
        }
        #expect(all == written)
    }

    @Test("the verifier finds an intact chain, then the first altered or missing entry and a cut tail")
    func verification() async throws {
        var (records, _, signer, _) = try await ledger()
        func verify() async throws -> LedgerVerifier.Report {
            try await LedgerVerifier(records: records, publicKey: signer.publicKey, rangeSize: 7).verify()
        }
        let intact = try await verify()
        #expect(intact.isIntact && intact.entries == 30 && intact.checkpoints == 3)

        records.tamper { rows in
            var edited = Array(rows[17]!.record.buffer)
            edited[edited.count - 1] ^= 1
            rows[17]!.record = .init(edited)
        }
        #expect(try await verify().problems.first == .altered(sequence: 17))
        records.tamper { $0[12] = nil }
        #expect(try await verify().problems.first == .missing(sequence: 12))

        (records, _, signer, _) = try await ledger()
        records.tamper { rows in rows = rows.filter { $0.key < 25 } }
        #expect(try await verify().problems == [.truncated(checkpoint: 30, lastEntry: 24)])
    }

    @Test("the index check names an entry a damaged index hides; a rebuild restores it")
    func indexCheck() async throws {
        let (records, index, _, _) = try await ledger()
        let reader = LedgerReader(records: records, index: index)
        #expect(try await LedgerIndexCheck.firstHidden(reader: reader) == (nil, 20))
        index.dropRows(of: 9)
        #expect(try await LedgerIndexCheck.firstHidden(reader: reader) == (9, 20))
        #expect(try await LedgerIndexer.rebuild(records: records, index: index) == 30)
        #expect(try await LedgerIndexCheck.firstHidden(reader: reader) == (nil, 30))
    }
}
