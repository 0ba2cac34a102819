import Crypto
import Foundation
import Testing

@testable import BatonLedger

/// The ledger hashes through libcrypto rather than swift-crypto (for speed): its digests
/// must be SHA-256's, whatever the length and however the input is split.
@Suite("SHA256Stream: the ledger's SHA-256")
struct SHA256StreamTests {
    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("FIPS 180-2's vectors: \"abc\" and the empty string")
    func knownAnswers() {
        var abc = SHA256Stream()
        Array("abc".utf8).withUnsafeBytes { abc.update($0) }
        #expect(Self.hex(abc.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.hex(MerkleHash.empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("every length around the block boundaries, in one piece or split, is swift-crypto's digest")
    func matchesSwiftCrypto() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 31, 32, 55, 56, 63, 64, 65, 119, 120, 128, 170, 202, 1_000, 8_192] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Array(SHA256.hash(data: data))
            var whole = SHA256Stream()
            data.withUnsafeBytes { whole.update($0) }
            #expect(whole.finalize() == expected, "\(length) bytes")
            let cut = length / 3
            var split = SHA256Stream()
            data.withUnsafeBytes { bytes in
                split.update(UnsafeRawBufferPointer(rebasing: bytes[..<cut]))
                split.update(UnsafeRawBufferPointer(rebasing: bytes[cut...]))
            }
            var digest = [UInt8](repeating: 0, count: 32)
            digest.withUnsafeMutableBytes { split.finalize(into: $0.baseAddress!) }
            #expect(digest == expected, "\(length) bytes in two pieces")
        }
    }
}
