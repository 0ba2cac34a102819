/// What an index row is keyed by. The raw values are stored; never renumber them.
public enum IndexDimension: Int64, Sendable, CaseIterable {
    /// Every entry, under key 0: the time range alone.
    case time = 0
    /// The original user's object id, in any tenant.
    case user = 1
    case agent = 2
    case resource = 3
    case chain = 4
    case kind = 5
}

/// The 64-bit keys of index rows: a digest of the value, so every key is a small integer
/// whatever the value's length. Two values may share a key; queries re-check each entry
/// against its record, so a collision only costs a wasted lookup.
enum IndexKey {
    /// FNV-1a over the bytes, folding ASCII case when asked.
    static func digest(_ bytes: some Sequence<UInt8>, foldingCase: Bool = false) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for var byte in bytes {
            if foldingCase, (0x41...0x5A).contains(byte) { byte |= 0x20 }
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash)
    }

    /// Object ids compare without case.
    static func user(_ objectID: some Sequence<UInt8>) -> Int64 {
        digest(objectID, foldingCase: true)
    }

    /// A UUID chain id keys by its first 8 bytes — for UUIDv7 the time, so new chains
    /// append to the end of the index; any other id by its digest.
    static func chain(_ id: UnsafeRawBufferPointer) -> Int64 {
        guard id.count == 36, id[8] == UInt8(ascii: "-"), id[13] == UInt8(ascii: "-"), id[18] == UInt8(ascii: "-") else { return digest(id) }
        var key: UInt64 = 0
        for position in uuidHeadDigits {
            guard let nibble = hexValue(id[position]) else { return digest(id) }
            key = key << 4 | UInt64(nibble)
        }
        return Int64(bitPattern: key)
    }

    /// Where the first 16 hex digits of a UUID string sit (its dashes skipped).
    private static let uuidHeadDigits = Array([0..<8, 9..<13, 14..<18].joined())

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func chain(_ id: String) -> Int64 {
        var id = id
        return id.withUTF8 { chain(UnsafeRawBufferPointer($0)) }
    }
}
