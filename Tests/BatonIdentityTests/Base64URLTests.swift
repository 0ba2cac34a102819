import BatonCore
import BatonIdentity
import Foundation
import Testing

@Suite("Base64url, byte by byte")
struct Base64URLTests {
    /// Foundation's base64 with the url alphabet and no padding: the reference.
    static func reference(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test("encode matches the reference and decode inverts it, for every length up to 300")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let encoded = Base64URL.encode(data)
            #expect(encoded == Self.reference(data), "length \(length)")
            #expect(Base64URL.decode(encoded) == data, "length \(length)")
        }
    }

    @Test("refuses padding, whitespace, the standard alphabet's + and /, and impossible lengths")
    func refusals() {
        for text in ["YQ==", "YW Jj", "a+b/", "abcde", "YQ\n", "é"] { #expect(Base64URL.decode(text) == nil, "\(text)") }
        #expect(Base64URL.decodeLenient("YQ==") == Data("a".utf8))
        #expect(Base64URL.decode("") == Data())
    }
}
