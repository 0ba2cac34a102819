import Foundation
import GRDB
import Logging

/// The one writer of the audit ledger: appends are durable when they return, and many
/// share one transaction and one fsync (group commit).
///
/// While a batch commits, new appends queue; the next batch takes them all. The queue is
/// bounded: a full queue makes callers wait (backpressure). A batch that cannot be
/// written fails every append in it and leaves the chain as it was — the ledger fails
/// closed, and a caller whose append throws must not take the step it describes.
///
/// ```swift
/// let writer = try await LedgerWriter.open(database: pool, signer: signer)
/// let sequence = try await writer.append(entry)   // durable once this returns
/// ```
public actor LedgerWriter {
    private let database: DatabasePool
    private let signer: CheckpointSigner
    private let checkpointEvery: Int64
    private let checkpointInterval: Duration
    private let queueCapacity: Int
    private let maximumBatch: Int
    private let logger: Logger
    private var lastSequence: Int64
    private var lastHash: [UInt8]
    private var lastCheckpointSequence: Int64
    private var lastCheckpointTime = ContinuousClock.now
    /// Appends waiting for the next batch; entries appended together stay together.
    private var pending: [(entries: [LedgerEntry], continuation: CheckedContinuation<[Int64], any Error>)] = []
    private var pendingCount = 0
    private var waitingForRoom: [CheckedContinuation<Void, Never>] = []
    private var isFlushing = false
    /// Transactions committed, for reporting the average group size.
    public private(set) var batchesCommitted = 0

    /// The hash before the first entry.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    init(
        database: DatabasePool, signer: CheckpointSigner, checkpointEvery: Int64, checkpointInterval: Duration, queueCapacity: Int, maximumBatch: Int,
        logger: Logger, last: (sequence: Int64, hash: [UInt8]), lastCheckpoint: Int64
    ) {
        self.database = database
        self.signer = signer
        self.checkpointEvery = checkpointEvery
        self.checkpointInterval = checkpointInterval
        self.queueCapacity = queueCapacity
        self.maximumBatch = maximumBatch
        self.logger = logger
        self.lastSequence = last.sequence
        self.lastHash = last.hash
        self.lastCheckpointSequence = lastCheckpoint
    }

    /// Opens the writer on a migrated ledger database, continuing its chain.
    ///
    /// - Parameters:
    ///   - checkpointEvery: sign a checkpoint after this many entries… (default 10,000)
    ///   - checkpointInterval: …or after this long with new entries (default 60 s).
    ///   - queueCapacity: appends waiting beyond this many make callers wait (default 65,536).
    public static func open(
        database: DatabasePool, signer: CheckpointSigner, checkpointEvery: Int64 = 10_000, checkpointInterval: Duration = .seconds(60),
        queueCapacity: Int = 65_536, maximumBatch: Int = 16_384, logger: Logger = Logger(label: "baton.ledger")
    ) async throws -> LedgerWriter {
        let (last, checkpoint) = try await database.read { db -> ((Int64, [UInt8]), Int64) in
            let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1")
            let last = row.map { ($0["seq"] as Int64, Array($0["hash"] as Data)) } ?? (0, genesis)
            return (last, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_checkpoints") ?? 0)
        }
        return LedgerWriter(
            database: database, signer: signer, checkpointEvery: checkpointEvery, checkpointInterval: checkpointInterval,
            queueCapacity: queueCapacity,
            maximumBatch: maximumBatch, logger: logger, last: last, lastCheckpoint: checkpoint)
    }

    /// Records `entry` and returns its sequence number once it is durable.
    ///
    /// - Throws: ``LedgerError/writeFailed(_:)`` when it could not be recorded; the step must not proceed.
    @discardableResult
    public func append(_ entry: LedgerEntry) async throws -> Int64 {
        try await append(contentsOf: [entry])[0]
    }

    /// Records `entries` in order, in one transaction, and returns their sequence numbers
    /// once all are durable — one fsync for several steps of one hop.
    @discardableResult
    public func append(contentsOf entries: [LedgerEntry]) async throws -> [Int64] {
        guard !entries.isEmpty else { return [] }
        while pendingCount >= queueCapacity {
            await withCheckedContinuation { waitingForRoom.append($0) }
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((entries, continuation))
            pendingCount += entries.count
            if !isFlushing {
                isFlushing = true
                Task { await self.flush() }
            }
        }
    }

    /// The last durable sequence number and hash.
    public var head: (sequence: Int64, hash: [UInt8]) { (lastSequence, lastHash) }

    /// Signs a checkpoint for the current head now (if it has moved since the last one).
    public func checkpoint() async throws {
        guard lastSequence > lastCheckpointSequence else { return }
        try await writeCheckpoint(sequence: lastSequence, hash: lastHash)
    }

    // MARK: - Group commit

    private func flush() async {
        while !pending.isEmpty {
            var taken = 0
            var size = 0
            while taken < pending.count, size == 0 || size + pending[taken].entries.count <= maximumBatch {
                size += pending[taken].entries.count
                taken += 1
            }
            let batch = Array(pending.prefix(taken))
            pending.removeFirst(taken)
            pendingCount -= size
            for waiter in waitingForRoom { waiter.resume() }
            waitingForRoom.removeAll()

            var sequence = lastSequence
            var hash = lastHash
            var sealed: [(LedgerEntry, [UInt8])] = []
            sealed.reserveCapacity(size)
            for entry in batch.flatMap(\.entries) {
                var entry = entry
                sequence += 1
                entry.sequence = sequence
                hash = entry.hash(previous: hash)
                sealed.append((entry, hash))
            }
            let rows = sealed
            do {
                try await database.write { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO ledger_entries (\(LedgerEntry.columns), hash) VALUES (\(Self.placeholders))")
                    for (entry, hash) in rows {
                        var arguments = entry.rowArguments
                        arguments += [Data(hash)]
                        try statement.execute(arguments: arguments)
                    }
                }
            } catch {
                logger.error("ledger write failed; the batch was not recorded", metadata: ["entries": "\(size)", "error": "\(error)"])
                for item in batch { item.continuation.resume(throwing: LedgerError.writeFailed("\(error)")) }
                continue
            }
            lastSequence = sequence
            lastHash = hash
            batchesCommitted += 1
            var next = sealed.makeIterator()
            for item in batch {
                item.continuation.resume(returning: item.entries.map { _ in next.next()!.0.sequence })
            }
            await checkpointIfDue()
        }
        isFlushing = false
    }

    private func checkpointIfDue() async {
        let due =
            lastSequence - lastCheckpointSequence >= checkpointEvery
            || (lastSequence > lastCheckpointSequence && ContinuousClock.now - lastCheckpointTime >= checkpointInterval)
        guard due else { return }
        do {
            try await writeCheckpoint(sequence: lastSequence, hash: lastHash)
        } catch {
            logger.error("cannot write a ledger checkpoint", metadata: ["error": "\(error)"])
        }
    }

    private func writeCheckpoint(sequence: Int64, hash: [UInt8]) async throws {
        let timestamp = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let signature = try signer.sign(sequence: sequence, hash: hash, timestamp: timestamp)
        let keyID = signer.keyID
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO ledger_checkpoints (seq, ts_us, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)",
                arguments: [sequence, timestamp, Data(hash), keyID, signature])
        }
        lastCheckpointSequence = sequence
        lastCheckpointTime = .now
    }

    private static let placeholders = Array(repeating: "?", count: 22).joined(separator: ", ")
}
