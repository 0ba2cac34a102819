import BatonLedger
import BatonStorage
import BatonTestSupport
import Foundation
import Testing

/// `baton audit vkey`: the ledger's verifier key in the signed-note format (issue 19), for
/// auditors to pin out of band.
@Suite("baton audit vkey")
struct VerifierKeyCommandTests {
    @Test(
        "prints <origin>+<hash>+<key> for the ledger's signing key, with the configured origin or <host>/baton/ledger; a bad origin names the field")
    func verifierKey() async throws {
        let directory = try TemporaryDirectory()
        let data = try DataDirectory.prepare(directory.file("data"))
        let signer = try CheckpointSigner.load(from: data)

        let named = BatonProcess(
            ["audit", "vkey"], environment: ["BATON_STORAGE_DATA_DIR": data.path, "BATON_STORAGE_LEDGER_ORIGIN": "baton.example.com/baton/ledger"])
        #expect(try await named.run() == 0, "\(named.standardError)")
        let key = try NoteVerifierKey(parsing: named.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(key.name == "baton.example.com/baton/ledger")
        #expect(key.publicKey.rawRepresentation == signer.publicKey.rawRepresentation)

        let byHost = BatonProcess(
            ["audit", "vkey"], environment: ["BATON_STORAGE_DATA_DIR": data.path, "BATON_SERVER_PUBLIC_URL": "https://baton.contoso.com"])
        #expect(try await byHost.run() == 0, "\(byHost.standardError)")
        #expect(byHost.standardOutput.hasPrefix("baton.contoso.com/baton/ledger+"))

        let bad = BatonProcess(["audit", "vkey"], environment: ["BATON_STORAGE_DATA_DIR": data.path, "BATON_STORAGE_LEDGER_ORIGIN": "two words"])
        #expect(try await bad.run() != 0)
        #expect(bad.standardError.contains("ledger_origin"), "\(bad.standardError)")
    }
}
