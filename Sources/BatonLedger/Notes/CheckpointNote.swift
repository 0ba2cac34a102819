import Foundation

/// The body of a C2SP tlog-checkpoint: the log's origin, its size and its root hash, one
/// per line, then any extension lines — what a signed checkpoint commits to.
///
/// ```text
/// example.com/baton/ledger
/// 7308470
/// 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328 (in base64)
/// ```
public struct CheckpointNote: Sendable, Equatable {
    public var origin: String
    public var size: Int64
    public var rootHash: [UInt8]
    public var extensions: [String]

    public init(origin: String, size: Int64, rootHash: [UInt8], extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text to sign.
    public var text: String {
        ([origin, String(size), Data(rootHash).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// Reads a checkpoint's text (as ``SignedNote/open(_:verifiers:)`` returns it).
    public init(text: String) throws(LedgerError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw .malformedEvidence("a checkpoint ends in a newline") }
        lines.removeLast()
        guard lines.count >= 3, !lines[0].isEmpty, let size = Int64(lines[1]), size >= 0, String(size) == lines[1],
            let root = Data(base64Encoded: String(lines[2])), root.count == 32, !lines.dropFirst(3).contains(where: \.isEmpty)
        else { throw .malformedEvidence("not a tlog checkpoint (origin, size, base64 root hash)") }
        self.init(origin: String(lines[0]), size: size, rootHash: Array(root), extensions: lines.dropFirst(3).map(String.init))
    }

    /// The checkpoint in the signed `note` once `key` has signed it, for the log `key` names.
    public init(signed note: String, by key: NoteVerifierKey) throws(LedgerError) {
        try self.init(text: try SignedNote.open(note, verifiers: [key]).text)
        guard origin == key.name else { throw .malformedEvidence("the checkpoint is of log '\(origin)', not '\(key.name)'") }
    }
}
