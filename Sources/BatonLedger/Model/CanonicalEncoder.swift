/// Builds the canonical encoding of a ledger entry: every field in a fixed order, each
/// absent field marked, each string length-prefixed — so no two different entries encode
/// alike. The writer encodes ``LedgerEntry`` values with it; the verifier encodes stored
/// columns with it, byte for byte the same.
struct CanonicalEncoder {
    /// Encoding version, the first byte.
    static let version: UInt8 = 1

    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(320)
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
}
