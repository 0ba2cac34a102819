import BatonCore
import Testing

@Suite("Reading parsed JSON field by field")
struct JSONFieldsTests {
    static let object: JSONValue = [
        "name": "jane", "count": 3, "whole": .number(4.0), "half": .number(4.5), "flag": true, "gone": .null, "tags": ["a", "b"],
        "nested": ["inner": "x"],
    ]

    @Test("present values are read; absent and null optionals are nil")
    func values() throws {
        let fields = try JSONFields(Self.object, path: "params")
        #expect(try fields.string("name") == "jane")
        #expect(try fields.integer(ifPresent: "count") == 3)
        #expect(try fields.integer(ifPresent: "whole") == 4, "an integral number is an integer, as for JSONDecoder")
        #expect(try fields.bool(ifPresent: "flag") == true)
        #expect(try fields.strings(ifPresent: "tags") == ["a", "b"])
        #expect(try fields.string(ifPresent: "gone") == nil)
        #expect(try fields.string(ifPresent: "absent") == nil)
        #expect(fields.value(ifPresent: "gone") == nil)
        #expect(fields.path(of: "nested") == "params.nested")
        #expect(try JSONFields(Self.object, path: "").path(of: "name") == "name")
    }

    @Test("every refusal names the field's path and what is wrong")
    func refusals() throws {
        let fields = try JSONFields(Self.object, path: "params")
        #expect(throws: JSONShapeError(path: "params.absent", problem: .missing)) { try fields.string("absent") }
        #expect(throws: JSONShapeError(path: "params.gone", problem: .wrongType)) { try fields.string("gone") }
        #expect(throws: JSONShapeError(path: "params.count", problem: .wrongType)) { try fields.string("count") }
        #expect(throws: JSONShapeError(path: "params.half", problem: .wrongType)) { try fields.integer(ifPresent: "half") }
        #expect(throws: JSONShapeError(path: "params.name", problem: .wrongType)) { try fields.bool(ifPresent: "name") }
        #expect(throws: JSONShapeError(path: "params.nested", problem: .wrongType)) { try fields.strings(ifPresent: "nested") }
        #expect(throws: JSONShapeError(path: "list", problem: .wrongType)) { try JSONFields(["a"], path: "list") }
        #expect(JSONShapeError(path: "a.b", problem: .missing).description == "a.b is required")
        #expect(JSONShapeError(path: "", problem: .wrongType).description == "the value has the wrong type")
        #expect(JSONShapeError(path: "a", problem: .invalid("'x' is not a known value")).description == "a is not valid: 'x' is not a known value")
    }
}
