internal import NIOCore

/// Keeps the bytes of the request head being read, so that when the HTTP parser refuses a
/// head the connection's guard can tell *why* — a refused `Authorization` value deserves a
/// bearer challenge, not a bare 400.
///
/// It sits first in the pipeline, passes every byte on unchanged, and holds what came after
/// the last head the parser read (at most ``limit`` bytes): the guard calls ``headParsed()``
/// for every head, which drops that head.
final class RequestHeadTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// More than the parser's largest head (80 KiB): a longer one is refused as too large anyway.
    static let limit = 96 * 1024

    private(set) var recent: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { keep($0) }
        context.fireChannelRead(data)
    }

    /// Appends `bytes`, keeping the last ``limit`` bytes.
    func keep(_ bytes: UnsafeRawBufferPointer) {
        let tail = bytes.count > Self.limit ? UnsafeRawBufferPointer(rebasing: bytes.suffix(Self.limit)) : bytes
        recent.append(contentsOf: tail)
        if recent.count > Self.limit { recent.removeFirst(recent.count - Self.limit) }
    }

    /// The parser read a head: it ends at the first blank line kept.
    func headParsed() {
        if let end = Self.firstBlankLine(in: recent) { recent.removeFirst(end) } else { recent.removeAll(keepingCapacity: true) }
    }

    /// The index just past the first `\r\n\r\n`.
    static func firstBlankLine(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    /// Whether the head read so far has an `Authorization` field whose value holds a byte no
    /// field value may (a control character other than tab, or DEL) — the parser's reason.
    var authorizationIsUnreadable: Bool {
        Self.authorizationIsUnreadable(recent)
    }

    static func authorizationIsUnreadable(_ bytes: [UInt8]) -> Bool {
        let name = Array("authorization:".utf8)
        var lineStart = 0
        var found = false
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: 10) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            if line.count >= name.count, zip(line.prefix(name.count), name).allSatisfy({ $0 | 0x20 == $1 }) {
                let value = line.dropFirst(name.count)
                let trimmed = value.last == 13 ? value.dropLast() : value
                if trimmed.contains(where: { ($0 < 0x20 && $0 != 9) || $0 == 0x7F }) { found = true }
            }
            lineStart = lineEnd + 1
        }
        return found
    }
}
