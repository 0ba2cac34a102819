import Crypto
import Foundation
import Testing

@testable import BatonLedger

/// C2SP signed notes and tlog checkpoints (issue 19), checked against the reference
/// vector of Go's `golang.org/x/mod/sumdb/note`: the PeterNeumann key and note.
@Suite("Signed notes and checkpoints (C2SP)")
struct SignedNoteTests {
    static let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    /// The private key's seed, from `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`.
    static let seed = Data(base64Encoded: "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")!.dropFirst()
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let note =
        text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("the reference verifier key parses and prints back; its key hash is computed from the name and key")
    func verifierKey() throws {
        let key = try NoteVerifierKey(parsing: Self.vkey)
        #expect(key.name == "PeterNeumann" && key.keyHash == 0xc74f_20a3)
        #expect(key.description == Self.vkey)
        let derived = try NoteVerifierKey(name: "PeterNeumann", publicKey: try Curve25519.Signing.PrivateKey(rawRepresentation: Self.seed).publicKey)
        #expect(derived == key)
        for bad in [
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a3+AhpcMQ==", "PeterNeumann+c74f20a3",
        ] {
            #expect(throws: LedgerError.self, "\(bad)") { try NoteVerifierKey(parsing: bad) }
        }
    }

    @Test("the reference note opens with the reference key, and signing its text with the reference seed gives the same note byte for byte")
    func referenceNote() throws {
        let key = try NoteVerifierKey(parsing: Self.vkey)
        let opened = try SignedNote.open(Self.note, verifiers: [key])
        #expect(opened.text == Self.text && opened.signedBy == ["PeterNeumann"])
        #if os(Linux)
            // Ed25519 signatures are deterministic (RFC 8032) in swift-crypto's BoringSSL backend.
            #expect(
                try SignedNote.sign(Self.text, name: "PeterNeumann", key: try Curve25519.Signing.PrivateKey(rawRepresentation: Self.seed))
                    == Self.note)
        #endif
    }

    @Test("an edited text, a bad signature by a known key, no known signature, or a malformed note is refused; unknown keys' lines are skipped")
    func refusals() throws {
        let key = try NoteVerifierKey(parsing: Self.vkey)
        #expect(throws: LedgerError.self) {
            try SignedNote.open(Self.note.replacingOccurrences(of: "cryptography", with: "Cryptography"), verifiers: [key])
        }
        let other = Curve25519.Signing.PrivateKey()
        let otherKey = try NoteVerifierKey(name: "witness.example/w1", publicKey: other.publicKey)
        #expect(throws: LedgerError.self, "only an unknown key signed") { try SignedNote.open(Self.note, verifiers: [otherKey]) }
        let cosigned = try SignedNote.addSignature(to: Self.note, name: "witness.example/w1", key: other)
        #expect(try SignedNote.open(cosigned, verifiers: [key, otherKey]).signedBy == ["PeterNeumann", "witness.example/w1"])
        #expect(try SignedNote.open(cosigned, verifiers: [key]).signedBy == ["PeterNeumann"], "an unknown key's line is skipped")
        let forged = Self.note.replacingOccurrences(of: "x08go/ZJ", with: "x08go/ZK")
        #expect(throws: LedgerError.self, "a known key's bad signature is an error") { try SignedNote.open(forged, verifiers: [key]) }
        for bad in [Self.text, Self.note + "trailing", Self.note.replacingOccurrences(of: "— ", with: "- ")] {
            #expect(throws: LedgerError.self) { try SignedNote.open(bad, verifiers: [key]) }
        }
        #expect(throws: (any Error).self, "a text must end in a newline") { try SignedNote.sign("no newline", name: "n", key: other) }
    }

    @Test("a checkpoint's text has the origin, the size and the base64 root; it signs, opens and parses back; bad checkpoints are refused")
    func checkpoint() throws {
        let key = Curve25519.Signing.PrivateKey()
        let checkpoint = CheckpointNote(origin: "baton.example.com/baton/ledger", size: 8, rootHash: Array(repeating: 7, count: 32))
        #expect(checkpoint.text == "baton.example.com/baton/ledger\n8\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n")
        let note = try SignedNote.sign(checkpoint.text, name: checkpoint.origin, key: key)
        let opened = try SignedNote.open(note, verifiers: [try NoteVerifierKey(name: checkpoint.origin, publicKey: key.publicKey)])
        #expect(try CheckpointNote(text: opened.text) == checkpoint)
        for bad in [
            "o\n08\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", "o\n8\nBwc=\n", "\n8\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", "o\n8\n",
        ] {
            #expect(throws: LedgerError.self, "\(bad)") { try CheckpointNote(text: bad) }
        }
    }
}
