/// Lower-case hexadecimal, without Foundation's formatting machinery (it runs once per
/// verified token and per ledger id).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Whether `byte` is an ASCII hex digit, either case.
    public static func isDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) { return encoded }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// The spelling of `bytes`, written straight into the string's storage (ledger records
    /// are read by the million).
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            for (index, byte) in bytes.enumerated() { write(byte, into: output, at: index * 2) }
            return bytes.count * 2
        }
    }

    /// Writes the two digits of `byte` at `offset` in `output`.
    public static func write(_ byte: UInt8, into output: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        output[offset] = digits[Int(byte >> 4)]
        output[offset + 1] = digits[Int(byte & 0x0F)]
    }

    /// `byteCount` bytes from the system's secure generator, in hex: ids and tokens that
    /// must not be guessed (sessions, workload tokens, trace ids).
    public static func random(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        while bytes.count < byteCount {
            let random = generator.next()
            for index in 0..<8 where bytes.count < byteCount { bytes.append(UInt8(truncatingIfNeeded: random >> (8 * UInt64(index)))) }
        }
        return encode(bytes)
    }

    /// The bytes `text` spells (either case), or `nil` when it is not an even run of hex digits.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.allSatisfy(isDigit) else { return nil }
        func value(_ digit: UInt8) -> UInt8 {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: digit - UInt8(ascii: "A") + 10
            }
        }
        return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }
}
