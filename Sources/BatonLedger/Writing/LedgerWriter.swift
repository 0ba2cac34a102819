import BatonCore
import Foundation
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
/// let writer = try await LedgerWriter.open(store: SQLiteLedgerRecords(database: pool), signer: signer)
/// let sequence = try await writer.append(entry)   // durable once this returns
/// ```
///
/// Callers encode their entries (in parallel, before queueing); the writer numbers,
/// hashes and inserts the records — one narrow row each, no index on the append path.
public actor LedgerWriter {
    private let store: any LedgerRecordStore
    private let signer: CheckpointSigner
    private let checkpointEvery: Int64
    private let checkpointInterval: Duration
    private let queueCapacity: Int
    private let maximumBatch: Int
    private let logger: Logger
    private let onCommit: @Sendable (Int64) -> Void
    /// Where every checkpoint is also appended, outside the data directory.
    private let checkpointLog: CheckpointLog?
    /// The chain's end as of this writer's last batch, with the RFC 6962 Merkle tree over
    /// the records, always exactly as long as the chain. Other daemons on a shared store
    /// may have appended since: the store's head, at the next append, says.
    private var chain: LedgerChainState
    /// Names the log in its signed checkpoints (`storage.ledger_origin`).
    public nonisolated let origin: String
    /// The last checkpoint signed, with the cosignatures gathered for it so far.
    public private(set) var latestCheckpoint: StoredCheckpoint?
    /// The witnesses asked to cosign each checkpoint (`storage.witnesses`).
    private let witnesses: [WitnessClient]
    /// Cosignatures witnesses refused or could not give, since the writer opened.
    public private(set) var witnessFailures = 0
    private let onWitnessFailure: @Sendable (WitnessError) -> Void
    /// The newest checkpoint not yet sent to the witnesses, and whether a round is running.
    private var toWitness: StoredCheckpoint?
    private var isWitnessing = false
    private var lastCheckpointSequence: Int64
    private var lastCheckpointTime = ContinuousClock.now
    /// Appends waiting for the next batch; entries appended together stay together.
    private var pending: [(records: [[UInt8]], continuation: CheckedContinuation<[Int64], any Error>)] = []
    private var pendingCount = 0
    private var waitingForRoom: [CheckedContinuation<Void, Never>] = []
    private var isFlushing = false
    /// Transactions committed, for reporting the average group size.
    public private(set) var batchesCommitted = 0

    /// The hash before the first entry.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    init(
        store: any LedgerRecordStore, signer: CheckpointSigner, checkpointEvery: Int64, checkpointInterval: Duration, queueCapacity: Int,
        maximumBatch: Int, checkpointLog: CheckpointLog?,
        logger: Logger, onCommit: @escaping @Sendable (Int64) -> Void, last: (sequence: Int64, hash: [UInt8]), tree: TreeTiles,
        origin: String, lastCheckpoint: StoredCheckpoint?, witnesses: [WitnessClient],
        onWitnessFailure: @escaping @Sendable (WitnessError) -> Void
    ) {
        self.witnesses = witnesses
        self.onWitnessFailure = onWitnessFailure
        self.checkpointLog = checkpointLog
        self.origin = origin
        self.latestCheckpoint = lastCheckpoint
        self.store = store
        self.signer = signer
        self.checkpointEvery = checkpointEvery
        self.checkpointInterval = checkpointInterval
        self.queueCapacity = queueCapacity
        self.maximumBatch = maximumBatch
        self.logger = logger
        self.onCommit = onCommit
        self.chain = LedgerChainState(sequence: last.sequence, hash: last.hash, tree: tree)
        self.lastCheckpointSequence = lastCheckpoint?.sequence ?? 0
    }

    /// Opens the writer on a ledger's store, continuing its chain.
    ///
    /// - Parameters:
    ///   - checkpointEvery: sign a checkpoint after this many entries… (default 10,000)
    ///   - checkpointInterval: …or after this long with new entries (default 60 s).
    ///   - queueCapacity: appends waiting beyond this many make callers wait (default 65,536).
    ///   - checkpointLog: where each checkpoint is also appended (`storage.checkpoint_log`).
    ///   - origin: names the log in its signed checkpoints (`storage.ledger_origin`).
    ///   - witnesses: asked to cosign every checkpoint (`storage.witnesses`).
    ///   - onWitnessFailure: told each refusal or failure to cosign (the daemon counts them in `/metrics`).
    ///   - onCommit: told the last durable sequence number after each commit (the indexer follows it).
    public static func open(
        store: any LedgerRecordStore, signer: CheckpointSigner, checkpointEvery: Int64 = 10_000, checkpointInterval: Duration = .seconds(60),
        queueCapacity: Int = 65_536, maximumBatch: Int = 16_384, checkpointLog: CheckpointLog? = nil,
        origin: String = LedgerWriter.defaultOrigin, witnesses: [WitnessClient] = [],
        onWitnessFailure: @escaping @Sendable (WitnessError) -> Void = { _ in }, logger: Logger = Logger(label: "baton.ledger"),
        onCommit: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> LedgerWriter {
        guard NoteKeyName.isValid(origin) else { throw LedgerError.malformedEvidence("'\(origin)' cannot be the ledger's origin") }
        let last = try await store.head() ?? (0, genesis)
        let tree = try await openTree(store: store, through: last.sequence, logger: logger)
        let checkpoint = try await store.checkpoints().last
        return LedgerWriter(
            store: store, signer: signer, checkpointEvery: checkpointEvery, checkpointInterval: checkpointInterval,
            queueCapacity: queueCapacity, maximumBatch: maximumBatch, checkpointLog: checkpointLog, logger: logger, onCommit: onCommit,
            last: last, tree: tree, origin: origin, lastCheckpoint: checkpoint, witnesses: witnesses, onWitnessFailure: onWitnessFailure)
    }

    /// The origin of a ledger whose configuration names none and whose host is unknown.
    public static let defaultOrigin = "localhost/baton/ledger"

    /// The Merkle tree of the stored records, restored from its tiles; records stored before
    /// the ledger had a tree are added to it first, in batches.
    private static func openTree(store: any LedgerRecordStore, through last: Int64, logger: Logger) async throws -> TreeTiles {
        let covered = try await store.treeSize()
        guard covered <= last else {
            throw LedgerError.readFailed("the ledger's Merkle tree covers \(covered) entries but the ledger holds \(last)")
        }
        var tree = try await TreeTiles(size: covered) { try await store.tile(level: $0, index: $1) }
        if covered < last {
            logger.notice("adding the ledger's entries to its Merkle tree", metadata: ["entries": "\(last - covered)"])
        }
        while tree.size < last {
            let first = tree.size + 1
            let leaves = try await store.records(from: first, through: last, limit: 65_536) { cursor in
                var leaves: [[UInt8]] = []
                while let stored = try cursor.next() {
                    guard stored.sequence == first + Int64(leaves.count) else { break }
                    leaves.append(MerkleHash.leaf(stored.record))
                }
                return leaves
            }
            guard !leaves.isEmpty else { throw LedgerError.readFailed("ledger entry \(first) is missing: its Merkle tree cannot be built") }
            for leaf in leaves { tree.append(leaf: leaf) }
            try await store.saveTiles(tree.takeChanged())
        }
        return tree
    }

    /// Records `entry` and returns its sequence number once it is durable.
    ///
    /// - Throws: ``LedgerError/writeFailed(_:)`` when it could not be recorded; the step must not proceed.
    @discardableResult
    public nonisolated func append(_ entry: LedgerEntry) async throws -> Int64 {
        try await enqueue([entry.record()])[0]
    }

    /// Records `entries` in order, in one transaction, and returns their sequence numbers
    /// once all are durable — one fsync for several steps of one hop.
    @discardableResult
    public nonisolated func append(contentsOf entries: [LedgerEntry]) async throws -> [Int64] {
        guard !entries.isEmpty else { return [] }
        return try await enqueue(entries.map { $0.record() })
    }

    private func enqueue(_ records: [[UInt8]]) async throws -> [Int64] {
        while pendingCount >= queueCapacity {
            await withCheckedContinuation { waitingForRoom.append($0) }
        }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append((records, continuation))
            pendingCount += records.count
            if !isFlushing {
                isFlushing = true
                Task { await self.flush() }
            }
        }
    }

    /// The last durable sequence number and hash.
    public var head: (sequence: Int64, hash: [UInt8]) { (chain.sequence, chain.hash) }

    /// Signs a checkpoint for the current head now (if it has moved since the last one).
    public func checkpoint() async throws {
        guard chain.sequence > lastCheckpointSequence else { return }
        try await writeCheckpoint(chain)
    }

    // MARK: - Group commit

    private func flush() async {
        while !pending.isEmpty {
            var taken = 0
            var size = 0
            while taken < pending.count, size == 0 || size + pending[taken].records.count <= maximumBatch {
                size += pending[taken].records.count
                taken += 1
            }
            let batch = Array(pending.prefix(taken))
            pending.removeFirst(taken)
            pendingCount -= size
            for waiter in waitingForRoom { waiter.resume() }
            waitingForRoom.removeAll()

            let records = batch.flatMap(\.records)
            let known = chain
            do {
                chain = try await store.append { head in
                    var chain = known.ends(at: head) ? known : try await LedgerChainState(head: head)
                    return (chain.seal(records), chain)
                }
            } catch {
                logger.error("ledger write failed; the batch was not recorded", metadata: ["entries": "\(size)", "error": "\(error)"])
                for item in batch { item.continuation.resume(throwing: LedgerError.writeFailed("\(error)")) }
                continue
            }
            var sequence = chain.sequence - Int64(size)
            batchesCommitted += 1
            for item in batch {
                item.continuation.resume(
                    returning: item.records.map { _ in
                        sequence += 1
                        return sequence
                    })
            }
            onCommit(chain.sequence)
            await checkpointIfDue()
        }
        isFlushing = false
    }

    /// Signs a checkpoint if `checkpoint_every` entries or `checkpoint_interval` have
    /// passed since the last with new entries; the daemon calls it on a timer too, so a
    /// quiet ledger's last entries are signed within the interval.
    public func checkpointIfDue() async {
        let due =
            chain.sequence - lastCheckpointSequence >= checkpointEvery
            || (chain.sequence > lastCheckpointSequence && ContinuousClock.now - lastCheckpointTime >= checkpointInterval)
        guard due else { return }
        do {
            try await writeCheckpoint(chain)
        } catch {
            logger.error("cannot write a ledger checkpoint", metadata: ["error": "\(error)"])
        }
    }

    private func writeCheckpoint(_ chain: LedgerChainState) async throws {
        // Claimed before the first await, so a checkpoint asked for meanwhile (at shutdown,
        // say) does not sign the same head twice.
        let previous = lastCheckpointSequence
        guard chain.sequence > previous else { return }
        lastCheckpointSequence = chain.sequence
        do {
            try await signCheckpoint(chain)
        } catch {
            lastCheckpointSequence = previous
            throw error
        }
    }

    /// Signs the end of `chain`: the chain's head and a note over its tree, which a state
    /// after a batch always has the same length.
    private func signCheckpoint(_ chain: LedgerChainState) async throws {
        let sequence = chain.sequence
        let hash = chain.hash
        let timestamp = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let signature = try signer.sign(sequence: sequence, hash: hash, timestamp: timestamp)
        let body = CheckpointNote(origin: origin, size: chain.tree.size, rootHash: chain.tree.root)
        let note = try SignedNote.sign(body.text, name: origin, key: signer.key)
        let checkpoint = StoredCheckpoint(
            sequence: sequence, timestamp: timestamp, hash: hash, keyID: signer.keyID, signature: signature, note: note)
        try await store.saveCheckpoint(checkpoint)
        do {
            try checkpointLog?.append(checkpoint)
        } catch {
            // The ledger itself is intact; the outside copy misses this one until the next succeeds.
            logger.error("cannot append the checkpoint to the outside checkpoint log", metadata: ["error": "\(error)"])
        }
        lastCheckpointTime = .now
        latestCheckpoint = checkpoint
        guard !witnesses.isEmpty else { return }
        toWitness = checkpoint
        if !isWitnessing {
            isWitnessing = true
            Task { await self.witnessLatest() }
        }
    }

    // MARK: - Witnesses

    /// Cosigns the newest checkpoint, one round at a time: checkpoints signed while a round
    /// runs are skipped but for the newest, so each witness sees sizes only grow and is
    /// never asked more often than it answers.
    private func witnessLatest() async {
        while let checkpoint = toWitness {
            toWitness = nil
            await gatherCosignatures(for: checkpoint)
        }
        isWitnessing = false
    }

    /// Asks every witness to cosign `checkpoint` and stores the cosignatures given with it.
    /// A refusal is logged as an error and counted: the checkpoint stands, but someone must look.
    private func gatherCosignatures(for checkpoint: StoredCheckpoint) async {
        guard let note = checkpoint.note else { return }
        let proofs = TileHashes(records: store)
        let results = await withTaskGroup(of: Result<String, WitnessError>.self) { group in
            for witness in witnesses {
                group.addTask {
                    do throws(WitnessError) {
                        return .success(try await witness.cosign(note: note, size: checkpoint.sequence, proofs: proofs))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var results: [Result<String, WitnessError>] = []
            for await result in group { results.append(result) }
            return results
        }
        var cosignatures = ""
        for result in results {
            switch result {
            case .success(let lines): cosignatures += lines
            case .failure(let error):
                witnessFailures += 1
                onWitnessFailure(error)
                logger.error("a witness did not cosign the ledger checkpoint", metadata: ["sequence": "\(checkpoint.sequence)", "error": "\(error)"])
            }
        }
        guard !cosignatures.isEmpty else { return }
        await attach(cosignatures, to: checkpoint)
    }

    /// Adds cosignature lines to the stored checkpoint (and to the published one, if it still is).
    private func attach(_ cosignatures: String, to stored: StoredCheckpoint) async {
        guard let note = stored.note else { return }
        let sequence = stored.sequence
        let cosigned = StoredCheckpoint(
            sequence: stored.sequence, timestamp: stored.timestamp, hash: stored.hash, keyID: stored.keyID, signature: stored.signature,
            note: note + cosignatures)
        do {
            try await store.saveCheckpoint(cosigned)
        } catch {
            logger.error("cannot store the witnesses' cosignatures", metadata: ["sequence": "\(sequence)", "error": "\(error)"])
            return
        }
        if latestCheckpoint?.sequence == sequence { latestCheckpoint = cosigned }
    }

}
