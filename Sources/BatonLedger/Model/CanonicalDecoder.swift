/// Reads a record written by ``CanonicalEncoder``, field by field.
///
/// Every read checks the bounds and the presence marker; a record that does not follow
/// the encoding throws ``LedgerError/malformedRecord(_:)`` rather than yielding a
/// half-read entry.
struct CanonicalDecoder {
    private let bytes: UnsafeRawBufferPointer
    private var offset: Int

    init(_ bytes: UnsafeRawBufferPointer) throws(LedgerError) {
        guard bytes.first == CanonicalEncoder.version else {
            throw .malformedRecord("unknown encoding version \(bytes.first.map(String.init) ?? "(empty)")")
        }
        self.bytes = bytes
        self.offset = 1
    }

    /// Whether every byte has been read.
    var isAtEnd: Bool { offset == bytes.count }

    mutating func integer() throws(LedgerError) -> Int64? {
        guard try present() else { return nil }
        let end = offset + 8
        guard end <= bytes.count else { throw .malformedRecord("an integer runs past the end") }
        var value: Int64 = 0
        for byte in bytes[offset..<end] { value = value << 8 | Int64(byte) }
        offset = end
        return value
    }

    /// The next text field's UTF-8 bytes, valid while the record is.
    mutating func textBytes() throws(LedgerError) -> UnsafeRawBufferPointer? {
        guard try present() else { return nil }
        guard offset + 4 <= bytes.count else { throw .malformedRecord("a length runs past the end") }
        var length = 0
        for byte in bytes[offset..<offset + 4] { length = length << 8 | Int(byte) }
        let start = offset + 4
        guard length <= bytes.count - start else { throw .malformedRecord("a text runs past the end") }
        offset = start + length
        return UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
    }

    mutating func text() throws(LedgerError) -> String? {
        try textBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    mutating func requiredInteger(_ field: String) throws(LedgerError) -> Int64 {
        guard let value = try integer() else { throw .malformedRecord("\(field) is absent") }
        return value
    }

    mutating func requiredText(_ field: String) throws(LedgerError) -> String {
        guard let value = try text() else { throw .malformedRecord("\(field) is absent") }
        return value
    }

    private mutating func present() throws(LedgerError) -> Bool {
        guard offset < bytes.count else { throw .malformedRecord("the record ends early") }
        defer { offset += 1 }
        switch bytes[offset] {
        case 0: return false
        case 1: return true
        default: throw .malformedRecord("byte \(offset) is neither a presence nor an absence marker")
        }
    }
}
