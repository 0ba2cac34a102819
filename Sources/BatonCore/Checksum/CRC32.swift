/// The IEEE 802.3 CRC-32 that zlib's `crc32`, PNG and gzip use, and that frames the AWS
/// event-stream encoding (its prelude and each message end in one).
///
/// It detects transmission errors, not tampering: never use it where an attacker chooses
/// the bytes. Feed bytes in pieces with ``update(_:)`` or all at once with ``checksum(_:)``.
///
/// ```swift
/// CRC32.checksum("123456789".utf8)  // 0xCBF43926
/// ```
public struct CRC32: Sendable, Equatable {
    /// The register, kept inverted between updates as the algorithm defines it.
    private var register: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The checksum of every byte fed so far.
    public var value: UInt32 { ~register }

    /// Feeds `bytes` into the checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            register = Self.table[Int((register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
        }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// The remainder of each byte value, so a byte costs one lookup instead of eight shifts
    /// (reflected polynomial 0xEDB88320).
    private static let table: [UInt32] = (0..<256).map { (index: Int) -> UInt32 in
        (0..<8).reduce(UInt32(index)) { (entry: UInt32, _: Int) -> UInt32 in entry & 1 == 1 ? (entry >> 1) ^ 0xEDB8_8320 : entry >> 1 }
    }
}
