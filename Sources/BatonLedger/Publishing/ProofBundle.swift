import BatonCore
import Foundation

/// The proof that one ledger entry is in the log, checkable offline with nothing but the
/// log's verifier key: the entry's record, its index (sequence − 1), the RFC 6962 audit
/// path to the root, and the signed checkpoint naming that root.
///
/// The JSON is the tlog proof bundle that independent verifiers read (aics-tlog's
/// `verify-bundle`): exactly these six members; `entry_bytes` and `checkpoint_note` in
/// unpadded base64url, the path's hashes in padded base64, leaf first.
public struct ProofBundle: Sendable, Codable, Equatable {
    /// The entry's canonical record, base64url.
    public var entryBytes: String
    /// The leaf index: the entry's sequence number − 1.
    public var index: Int64
    /// Base64 hashes from the leaf's sibling up to the root (RFC 9162 §2.1.3).
    public var inclusionProof: [String]
    /// The whole signed checkpoint note, base64url.
    public var checkpointNote: String
    /// Unused by the ledger: always `null`, as the bundle format defines for plain entries.
    public var envelope: String?
    /// Unused by the ledger: always `null`.
    public var bodyOrCt: String?

    enum CodingKeys: String, CodingKey {
        case entryBytes = "entry_bytes"
        case index
        case inclusionProof = "inclusion_proof"
        case checkpointNote = "checkpoint_note"
        case envelope
        case bodyOrCt = "body_or_ct"
    }

    public init(record: [UInt8], index: Int64, proof: [[UInt8]], checkpointNote: String) {
        self.entryBytes = Base64URL.encode(record)
        self.index = index
        self.inclusionProof = proof.map { Data($0).base64EncodedString() }
        self.checkpointNote = Base64URL.encode(Array(checkpointNote.utf8))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entryBytes, forKey: .entryBytes)
        try container.encode(index, forKey: .index)
        try container.encode(inclusionProof, forKey: .inclusionProof)
        try container.encode(checkpointNote, forKey: .checkpointNote)
        try container.encode(envelope, forKey: .envelope)  // null, not absent
        try container.encode(bodyOrCt, forKey: .bodyOrCt)
    }

    /// What a bundle proves once checked.
    public struct Proven: Sendable {
        public let entry: LedgerEntry
        public let checkpoint: CheckpointNote
    }

    /// Checks the bundle against the log's key: the checkpoint is signed by `key` and names
    /// its origin, the record hashes up the path to the checkpoint's root at `index`, and the
    /// record is the entry numbered `index + 1`.
    public func verify(key: NoteVerifierKey) throws(LedgerError) -> Proven {
        guard let record = Base64URL.decode(entryBytes), let noteBytes = Base64URL.decode(checkpointNote),
            let note = String(data: noteBytes, encoding: .utf8)
        else { throw .malformedEvidence("the bundle of entry \(index + 1) is not base64url where it must be") }
        let checkpoint = try CheckpointNote(signed: note, by: key)
        var path: [[UInt8]] = []
        for hash in inclusionProof {
            guard let bytes = Data(base64Encoded: hash), bytes.count == MerkleHash.size else {
                throw .malformedEvidence("the bundle of entry \(index + 1) holds a malformed hash")
            }
            path.append(Array(bytes))
        }
        guard
            MerkleProofs.verifyInclusion(
                leaf: MerkleHash.leaf(record), index: index, size: checkpoint.size, proof: path, root: checkpoint.rootHash)
        else { throw .malformedEvidence("entry \(index + 1) is not in the log at its index under the checkpoint of size \(checkpoint.size)") }
        let entry: LedgerEntry
        do {
            entry = try Array(record).withUnsafeBytes { try LedgerEntry(record: $0) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .malformedEvidence("the record of entry \(index + 1) cannot be read")
        }
        guard entry.sequence == index + 1 else {
            throw .malformedEvidence("the record at index \(index) is entry \(entry.sequence), not \(index + 1)")
        }
        return Proven(entry: entry, checkpoint: checkpoint)
    }
}
