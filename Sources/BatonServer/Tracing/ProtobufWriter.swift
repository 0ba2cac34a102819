/// The protocol-buffers binary wire format, as much of it as an OTLP export request needs:
/// varints, fixed 32/64-bit fields, length-delimited bytes, strings and nested messages.
///
/// A nested message is written in place and its length slid in front of it afterwards, so
/// a whole batch is one buffer and no message is built twice.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// A length-delimited field holding the message `body` writes.
    mutating func message(_ field: UInt32, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, wireType: 2)
        let start = bytes.count
        body(&self)
        let length = bytes.count - start
        if length < 0x80 {
            bytes.insert(UInt8(length), at: start)
        } else {
            var prefix = ProtobufWriter()
            prefix.varint(UInt64(length))
            bytes.insert(contentsOf: prefix.bytes, at: start)
        }
    }

    /// A string field; an empty string is not written (proto3's default) unless `always`
    /// (a `oneof` member, whose presence is its meaning).
    mutating func string(_ field: UInt32, _ value: String, always: Bool = false) {
        guard always || !value.isEmpty else { return }
        tag(field, wireType: 2)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// A varint field (`uint32`, `uint64`, `int64`, `bool`, enum); zero is not written.
    mutating func varint(_ field: UInt32, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, wireType: 0)
        varint(value)
    }

    /// A varint field written even when zero: a `oneof` member, whose presence is its meaning.
    mutating func presentVarint(_ field: UInt32, _ value: UInt64) {
        tag(field, wireType: 0)
        varint(value)
    }

    /// A `fixed64` or `double` field, little-endian; written even when zero inside a `oneof`.
    mutating func fixed64(_ field: UInt32, _ value: UInt64, always: Bool = false) {
        guard always || value != 0 else { return }
        tag(field, wireType: 1)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `fixed32` field, little-endian; zero is not written.
    mutating func fixed32(_ field: UInt32, _ value: UInt32) {
        guard value != 0 else { return }
        tag(field, wireType: 5)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The tag and length of a length-delimited field whose `size` bytes the caller writes next.
    mutating func lengthDelimited(_ field: UInt32, size: Int) {
        tag(field, wireType: 2)
        varint(UInt64(size))
    }

    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// How many bytes `value` takes as a varint.
    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    private mutating func tag(_ field: UInt32, wireType: UInt32) {
        varint(UInt64(field << 3 | wireType))
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
