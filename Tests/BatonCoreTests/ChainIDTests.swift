import BatonCore
import Foundation
import Testing

@Suite("Chain ids")
struct ChainIDTests {
    @Test("a chain id is a version-7 UUID whose first 48 bits are the Unix milliseconds")
    func versionSeven() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = ChainID.make(at: date)
        let uuid = try #require(UUID(uuidString: id))
        #expect(id == id.lowercased())
        #expect(uuid.uuid.6 >> 4 == 7)
        #expect(uuid.uuid.8 >> 6 == 0b10)
        #expect(UInt64(id.replacingOccurrences(of: "-", with: "").prefix(12), radix: 16) == 1_795_000_000_123)
    }

    @Test("a UUIDv7 is 36 lower-case characters, dashes at 8, 13, 18 and 23, and Foundation reads it back to the same text")
    func uuidSevenText() throws {
        for _ in 0..<200 {
            let id = UUIDv7.make()
            #expect(id.count == 36)
            #expect(
                id.enumerated().allSatisfy { index, character in
                    [8, 13, 18, 23].contains(index) ? character == "-" : character.isHexDigit && !character.isUppercase
                })
            #expect(try #require(UUID(uuidString: id)).uuidString.lowercased() == id)
        }
    }

    @Test("ids made later sort later")
    func timeOrdered() {
        let earlier = ChainID.make(at: Date(timeIntervalSince1970: 1_000))
        let later = ChainID.make(at: Date(timeIntervalSince1970: 1_001))
        #expect(earlier < later)
        #expect(ChainID.make() != ChainID.make())
    }
}
