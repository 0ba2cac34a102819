/// Builds the canonical encoding of a ledger entry — its record: every field in a fixed
/// order, each absent field marked, each string length-prefixed, so no two different
/// entries encode alike. The record is what the ledger stores and what its hash seals.
///
/// The sequence number is always the first field, at a fixed offset
/// (``sequenceRange``), so an entry can be encoded before the writer numbers it.
struct CanonicalEncoder {
    /// Encoding version, the first byte.
    static let version: UInt8 = 1
    /// Where the big-endian sequence number sits in every record.
    static let sequenceRange = 2..<10

    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 320) {
        bytes.reserveCapacity(capacity)
        bytes.append(Self.version)
    }

    /// Starts a new entry, keeping the buffer's capacity.
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(Self.version)
    }

    mutating func integer(_ value: Int64?) {
        guard let value else { return bytes.append(0) }
        bytes.append(1)
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ value: String?) {
        guard var value else { return bytes.append(0) }
        value.withUTF8 { text(UnsafeRawBufferPointer($0)) }
    }

    mutating func text(_ utf8: UnsafeRawBufferPointer) {
        bytes.append(1)
        withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: utf8)
    }

    /// An absent field.
    mutating func absent() {
        bytes.append(0)
    }

    /// Writes `sequence` into an encoded record.
    static func setSequence(_ sequence: Int64, in record: inout [UInt8]) {
        withUnsafeBytes(of: sequence.bigEndian) { record.replaceSubrange(sequenceRange, with: $0) }
    }

    /// The sequence number an encoded record carries, or `nil` if it is too short to carry one.
    static func sequence(of record: UnsafeRawBufferPointer) -> Int64? {
        guard record.count >= sequenceRange.upperBound, record[0] == version, record[1] == 1 else { return nil }
        var value: Int64 = 0
        for byte in record[sequenceRange] { value = value << 8 | Int64(byte) }
        return value
    }
}
