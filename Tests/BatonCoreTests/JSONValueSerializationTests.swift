import BatonCore
import Foundation
import Testing

@Suite("JSONValue: fast serialization and strict parsing")
struct JSONValueSerializationTests {
    @Test("serialized output parses back to the same value and matches JSONEncoder with sorted keys")
    func roundTrip() throws {
        let value: JSONValue = [
            "text": "quote \" backslash \\ slash / newline \n tab \t bell \u{07} é 🙂", "int": 42, "negative": -7, "double": .number(1.5),
            "flag": true,
            "nothing": .null, "list": [1, "two", ["three": 3]], "empty": [:],
        ]
        let bytes = value.serialized
        #expect(try JSONValue(parsing: bytes) == value)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let reference = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(value))
        #expect(try JSONValue(parsing: bytes) == reference)
    }

    @Test("the parser refuses duplicate names and trailing garbage")
    func strict() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(#"{"a":1,"a":2}"#.utf8)) }
        #expect(throws: (any Error).self) { try JSONValue(parsing: Array(#"{"a":1} x"#.utf8)) }
    }
}
