/// What the writer and the verifier need of a record whatever its encoding version: the
/// sequence number it carries. Version 1 (``CanonicalEncoder``) holds it at a fixed offset;
/// version 2 (``CompactRecord``) as a varint after the version byte.
enum LedgerRecord {
    /// The sequence number `record` carries, or `nil` when it carries none that can be read.
    static func sequence(of record: UnsafeRawBufferPointer) -> Int64? {
        switch record.first {
        case CompactRecord.version: CompactRecord.sequence(of: record)?.value
        default: CanonicalEncoder.sequence(of: record)
        }
    }

    /// Numbers an encoded record.
    static func setSequence(_ sequence: Int64, in record: inout [UInt8]) {
        switch record.first {
        case CompactRecord.version: CompactRecord.setSequence(sequence, in: &record)
        default: CanonicalEncoder.setSequence(sequence, in: &record)
        }
    }
}
