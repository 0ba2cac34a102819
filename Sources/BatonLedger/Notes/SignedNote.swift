import Crypto
import Foundation

/// A C2SP signed note: a text, a blank line, and signature lines
/// `— <key name> <base64 of key hash ‖ signature>`. Checkpoints are published in it.
///
/// ```swift
/// let note = try SignedNote.sign(text, name: origin, key: privateKey)
/// let text = try SignedNote.open(note, verifiers: [vkey])
/// ```
public enum SignedNote {
    /// At most this many signature lines are read (as Go's reference does).
    static let maximumSignatures = 100

    /// `text` (which must end in a newline) signed with `key` under `name`.
    public static func sign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey) throws -> String {
        try checkText(text)
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKey)
        let signature = try key.signature(for: Array(text.utf8))
        return text + "\n" + line(verifier, signature: Array(signature))
    }

    /// Adds a signature line (a cosignature, or another key) to a signed note.
    public static func addSignature(to note: String, name: String, key: Curve25519.Signing.PrivateKey) throws -> String {
        let (text, _) = try split(note)
        let verifier = try NoteVerifierKey(name: name, publicKey: key.publicKey)
        return note + line(verifier, signature: Array(try key.signature(for: Array(text.utf8))))
    }

    /// The text of `note` once a signature by one of `verifiers` checks; with the names of
    /// every verifier whose signature checked. A signature line naming a known key that
    /// does not verify is an error — never silently skipped.
    public static func open(_ note: String, verifiers: [NoteVerifierKey]) throws(LedgerError) -> (text: String, signedBy: [String]) {
        let (text, lines) = try split(note)
        var signedBy: [String] = []
        for line in lines {
            guard line.hasPrefix("— "), let space = line.dropFirst(2).lastIndex(of: " ") else {
                throw .malformedEvidence("a malformed signature line")
            }
            let name = String(line.dropFirst(2)[..<space])
            guard NoteVerifierKey.isValidName(name), let blob = Data(base64Encoded: String(line[line.index(after: space)...])), blob.count >= 5
            else { throw .malformedEvidence("a malformed signature line") }
            let hash = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard let verifier = verifiers.first(where: { $0.name == name && $0.keyHash == hash }) else { continue }
            guard isValid(blob.dropFirst(4), of: text, by: verifier) else {
                throw .malformedEvidence("the signature of \(name) does not verify")
            }
            if !signedBy.contains(name) { signedBy.append(name) }
        }
        guard !signedBy.isEmpty else { throw .malformedEvidence("no signature by a known key") }
        return (text, signedBy)
    }

    /// The key names on a note's signature lines, in order, without checking any signature
    /// (what a page shows; ``open(_:verifiers:)`` is what trusts them).
    public static func signers(of note: String) -> [String] {
        guard let (_, lines) = try? split(note) else { return [] }
        return lines.compactMap { line in
            guard line.hasPrefix("— "), let space = line.dropFirst(2).lastIndex(of: " ") else { return nil }
            return String(line.dropFirst(2)[..<space])
        }
    }

    /// The message a witness's cosignature at `timestamp` (seconds since 1970) covers.
    static func cosignedMessage(_ text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
    }

    // MARK: - Private

    /// A log key signs the text; a witness signs its timestamp (8 bytes, big-endian, before
    /// the signature) with the text.
    private static func isValid(_ blob: Data, of text: String, by verifier: NoteVerifierKey) -> Bool {
        switch verifier.algorithm {
        case .ed25519:
            return verifier.publicKey.isValidSignature(blob, for: Array(text.utf8))
        case .cosignature:
            guard blob.count == 8 + 64 else { return false }
            let timestamp = blob.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return verifier.publicKey.isValidSignature(blob.dropFirst(8), for: cosignedMessage(text, timestamp: timestamp))
        }
    }

    private static func line(_ verifier: NoteVerifierKey, signature: [UInt8]) -> String {
        let hash = withUnsafeBytes(of: verifier.keyHash.bigEndian) { Array($0) }
        return "— \(verifier.name) \(Data(hash + signature).base64EncodedString())\n"
    }

    /// The text (through its last newline before the blank line) and the signature lines.
    private static func split(_ note: String) throws(LedgerError) -> (String, [Substring]) {
        guard let blank = note.range(of: "\n\n", options: .backwards) else {
            throw .malformedEvidence("a signed note has no blank line before its signatures")
        }
        let text = String(note[..<note.index(after: blank.lowerBound)])
        let signatures = note[blank.upperBound...]
        guard signatures.hasSuffix("\n") else { throw .malformedEvidence("a signed note ends without a newline") }
        let lines = signatures.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard (1...maximumSignatures).contains(lines.count) else { throw .malformedEvidence("a signed note with \(lines.count) signature lines") }
        try checkText(text)
        return (text, lines)
    }

    private static func checkText(_ text: String) throws(LedgerError) {
        guard text.hasSuffix("\n"), !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw .malformedEvidence("a note's text must end in a newline and hold no control character but newlines")
        }
    }
}
