import BatonCore

/// The ledger's record encoding, version 2: the same fields as version 1
/// (``CanonicalEncoder``) in the same order, in about half the bytes — what the ledger
/// stores, hashes and (later) publishes as Merkle-tree leaves.
///
/// ```text
/// record   = 0x02  sequence:uvarint  present:uvarint  timestamp:svarint  chain:text  hop:svarint
///            [parent:svarint]  kind:byte  [tenant:text] [object:text] [username:text] [agent:text]
///            count:uvarint  actor:text{count}
///            [target:text] [resource:text] [operation:text] [status:svarint] [decision:byte]
///            [reason:text] [fingerprint:text] [source:text] [latency:svarint] [trace:text]
/// text     = header:uvarint  payload        header = length << 2 | form
///            form 0: `length` bytes of UTF-8
///            form 1: a UUID in its lower-case 8-4-4-4-12 spelling: 16 bytes (length 0)
///            form 2: lower-case hexadecimal of 2 × `length` digits: `length` bytes
/// ```
///
/// `present` has bit *i* set when the *i*-th optional field (in brackets, in order) is
/// there. `uvarint` is LEB128; `svarint` is zigzag LEB128. Kinds and decisions are one
/// byte each (``kindCodes``, ``decisionCodes``; codes are never reused).
///
/// Canonical: every entry has exactly one encoding. The decoder refuses anything the
/// encoder would not write — a varint with extra bytes, a spare `present` bit, a text in
/// form 0 that has a shorter form, an unknown code — so no two different byte strings
/// decode to the same entry.
enum CompactRecord {
    static let version: UInt8 = 2

    /// Kind codes; fixed forever (an entry's bytes are evidence).
    static let kindCodes: [LedgerEventKind: UInt8] = [
        .inbound: 1, .exchange: 2, .delegate: 3, .toolCall: 4, .downstream: 5, .deny: 6, .error: 7, .vaultPurge: 8, .admin: 9,
        .workloadToken: 10,
    ]
    static let kinds: [UInt8: LedgerEventKind] = Dictionary(uniqueKeysWithValues: kindCodes.map { ($1, $0) })
    static let decisionCodes: [LedgerDecision: UInt8] = [.allowed: 1, .denied: 2]
    static let decisions: [UInt8: LedgerDecision] = Dictionary(uniqueKeysWithValues: decisionCodes.map { ($1, $0) })

    /// The optional fields, by their bit in `present`.
    enum Optional: Int, CaseIterable {
        case parentHop, tenant, object, username, agent, target, resource, operation, status, decision, reason, fingerprint, source,
            latency, trace
    }

    static let allPresent: UInt64 = (1 << UInt64(Optional.allCases.count)) - 1

    /// The sequence number a version-2 record carries, and how many bytes its varint takes.
    static func sequence(of record: UnsafeRawBufferPointer) -> (value: Int64, length: Int)? {
        guard record.first == version else { return nil }
        var reader = ByteReader(record, offset: 1)
        guard let value = try? reader.uvarint(), value <= UInt64(Int64.max) else { return nil }
        return (Int64(value), reader.offset - 1)
    }

    /// `record` with its sequence number replaced by `sequence` (the varint may change length).
    static func setSequence(_ sequence: Int64, in record: inout [UInt8]) {
        let old = record.withUnsafeBytes { Self.sequence(of: $0)?.length } ?? 0
        var number: [UInt8] = []
        ByteWriter.uvarint(UInt64(sequence), into: &number)
        record.replaceSubrange(1..<(1 + old), with: number)
    }
}

/// Appends varints and texts to a record.
enum ByteWriter {
    static func uvarint(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func svarint(_ value: Int64, into bytes: inout [UInt8]) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), into: &bytes)
    }

    /// A text in its shortest form.
    static func text(_ value: String, into bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            let utf8 = UnsafeRawBufferPointer(utf8)
            if TextForm.isUUID(utf8) {
                bytes.append(1)
                TextForm.appendUUIDBytes(utf8, to: &bytes)
            } else if TextForm.isLowerHex(utf8) {
                uvarint(UInt64(utf8.count / 2) << 2 | 2, into: &bytes)
                TextForm.appendHexBytes(utf8, to: &bytes)
            } else {
                uvarint(UInt64(utf8.count) << 2, into: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }
    }
}

/// Reads varints and texts from a record, checking bounds and canonical form.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() throws(LedgerError) -> UInt8 {
        guard offset < bytes.count else { throw .malformedRecord("the record ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uvarint() throws(LedgerError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try byte()
            guard shift < 64, shift < 63 || byte <= 1 else { throw .malformedRecord("a varint overflows 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // Minimal: a last byte of 0 after others would be padding.
                guard byte != 0 || shift == 0 else { throw .malformedRecord("a varint is not in its shortest form") }
                return value
            }
            shift += 7
        }
    }

    mutating func svarint() throws(LedgerError) -> Int64 {
        let raw = try uvarint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func text() throws(LedgerError) -> String {
        let header = try uvarint()
        let length = header >> 2
        switch header & 3 {
        case 0:
            let utf8 = try take(length)
            guard !TextForm.isUUID(utf8), !TextForm.isLowerHex(utf8) else { throw .malformedRecord("a text is not in its shortest form") }
            guard let text = String(validating: utf8, as: UTF8.self) else { throw .malformedRecord("a text is not valid UTF-8") }
            return text
        case 1:
            guard length == 0 else { throw .malformedRecord("a UUID text with a length") }
            return TextForm.uuid(try take(16))
        case 2:
            guard length > 0 else { throw .malformedRecord("an empty hexadecimal text") }
            return Hex.encode(try take(length))
        default:
            throw .malformedRecord("text form 3 is not defined")
        }
    }

    private mutating func take(_ count: UInt64) throws(LedgerError) -> UnsafeRawBufferPointer {
        guard count <= UInt64(bytes.count - offset) else { throw .malformedRecord("a text runs past the end") }
        let start = offset
        offset += Int(count)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
    }
}

/// The shorter spellings of a text: a canonical UUID, or lower-case hexadecimal.
///
/// Every record read and written passes through here, so nothing allocates but the result.
enum TextForm {
    /// Whether `utf8` is a lower-case `8-4-4-4-12` UUID spelling.
    static func isUUID(_ utf8: UnsafeRawBufferPointer) -> Bool {
        guard utf8.count == 36 else { return false }
        for (index, character) in utf8.enumerated() {
            switch index {
            case 8, 13, 18, 23: guard character == UInt8(ascii: "-") else { return false }
            default: guard nibble(character) != nil else { return false }
            }
        }
        return true
    }

    /// Whether `utf8` is a non-empty, even-length lower-case hexadecimal spelling.
    static func isLowerHex(_ utf8: UnsafeRawBufferPointer) -> Bool {
        !utf8.isEmpty && utf8.count % 2 == 0 && utf8.allSatisfy { nibble($0) != nil }
    }

    /// Appends the 16 bytes a UUID spelling (``isUUID(_:)``) stands for.
    static func appendUUIDBytes(_ utf8: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        var high: UInt8?
        for character in utf8 {
            guard let value = nibble(character) else { continue }  // a dash
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
    }

    /// Appends the bytes a hexadecimal spelling (``isLowerHex(_:)``) stands for.
    static func appendHexBytes(_ utf8: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        for index in stride(from: 0, to: utf8.count, by: 2) {
            bytes.append(nibble(utf8[index])! << 4 | nibble(utf8[index + 1])!)
        }
    }

    /// The lower-case `8-4-4-4-12` spelling of 16 bytes.
    static func uuid(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 36) { output in
            var written = 0
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    output[written] = UInt8(ascii: "-")
                    written += 1
                }
                Hex.write(byte, into: output, at: written)
                written += 2
            }
            return written
        }
    }

    /// The value of a lower-case hexadecimal digit.
    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
