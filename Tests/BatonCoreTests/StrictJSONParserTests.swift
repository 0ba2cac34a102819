import Foundation
import Testing

@testable import BatonCore

@Suite("Strict JSON for token headers and claims")
struct StrictJSONParserTests {
    @Test("values of every kind parse, integers stay integers")
    func values() throws {
        let parsed = try StrictJSONParser.parse(Array(#" {"a":"x\"y\\z\/","n":-12,"f":1.25e1,"t":true,"z":false,"0":null,"l":[1,[]],"o":{}} "#.utf8))
        #expect(
            parsed
                == .object([
                    "a": "x\"y\\z/", "n": .integer(-12), "f": .number(12.5), "t": true, "z": false, "0": .null, "l": [1, .array([])],
                    "o": .object([:]),
                ]))
    }

    @Test("unicode escapes, including surrogate pairs, decode")
    func unicode() throws {
        #expect(try StrictJSONParser.parse(Array(#""caf\u00e9 \ud83d\ude00""#.utf8)) == .string("café 😀"))
        #expect(try StrictJSONParser.parse(Array("\"Jäne\"".utf8)) == .string("Jäne"))
    }

    @Test(
        "it agrees with Foundation on what Foundation accepts",
        arguments: [
            #"{"iss":"https://login.microsoftonline.com/t/v2.0","exp":1700000000,"roles":["a","b"],"nested":{"k":[true,null]}}"#,
            #"[0, -0.5, 1E3, "\t"]"#,
        ])
    func agreesWithFoundation(text: String) throws {
        let ours = try StrictJSONParser.parse(Array(text.utf8))
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == foundation)
    }

    @Test(
        "malformed input and duplicate member names are refused",
        arguments: [
            "", "{", "{\"a\":}", "{\"a\":1,}", "[1,]", "01", "1.", "-", "\"unterminated", "\"bad \\x escape\"", "\"\\ud83d alone\"", "tru", "{} {}",
            "{\"a\":1 \"b\":2}", "\"control \u{01} char\"", "nan",
        ])
    func malformed(text: String) {
        #expect(throws: StrictJSONParser.Failure.self) { try StrictJSONParser.parse(Array(text.utf8)) }
    }

    @Test("a repeated member name is refused, so a token has one interpretation")
    func duplicateKeys() {
        #expect(throws: StrictJSONParser.Failure.duplicateKey("aud")) { try StrictJSONParser.parse(Array(#"{"aud":"a","aud":"b"}"#.utf8)) }
    }

    @Test("nesting deeper than 32 levels is refused")
    func depth() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: StrictJSONParser.Failure.tooDeep) { try StrictJSONParser.parse(Array(deep.utf8)) }
    }
}
