import BatonCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only file outside the data directory holding a copy of every signed ledger
/// checkpoint, one JSON object per line (``CheckpointExport/Checkpoint``).
///
/// The ledger's own checkpoints live in its database: whoever can rewrite the database can
/// delete them too, and then a cut tail or a rehashed history verifies as intact. A copy
/// kept elsewhere (another disk, a file only the daemon's user may append to, a log
/// shipper) is the evidence that catches it: `baton audit verify` compares the ledger with
/// it (``OutsideCheckpoints``).
///
/// ```yaml
/// storage:
///   checkpoint_log: /var/log/baton/checkpoints.jsonl
/// ```
public struct CheckpointLog: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Appends `checkpoint` as one line and makes it durable (`fsync`); the file is created 0600.
    public func append(_ checkpoint: StoredCheckpoint) throws(LedgerError) {
        let line = CheckpointExport.Checkpoint(checkpoint)
        guard let json = try? JSONEncoder.sorted.encode(line) else { throw .writeFailed("cannot encode checkpoint \(checkpoint.sequence)") }
        let bytes = Array(json) + [UInt8(ascii: "\n")]
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .writeFailed("cannot open the checkpoint log \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            throw .writeFailed("cannot append to the checkpoint log \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension CheckpointExport.Checkpoint {
    init(_ stored: StoredCheckpoint) {
        self.init(
            sequence: stored.sequence, timestampMicroseconds: stored.timestamp, hash: Hex.encode(stored.hash),
            signature: stored.signature.base64EncodedString())
    }
}
