/// Reads a `text/event-stream` body (the W3C server-sent events format A2A and MCP stream in) as
/// it arrives: bytes in, whole events out.
///
/// Lines end in LF, CRLF or CR (a2a-sdk's server writes CRLF, Baton's LF); an event ends at
/// a blank line; `data:` lines join with newlines; comments (`:` lines, such as keep-alive
/// pings) and fields other than `event` and `data` are skipped.
public struct EventStreamDecoder: Sendable {
    /// One event: its `event:` name, if any, and its data.
    public struct Event: Sendable, Equatable {
        public var name: String?
        public var data: String

        public init(name: String? = nil, data: String) {
            self.name = name
            self.data = data
        }
    }

    /// The most a single event may hold; a longer one is a broken stream.
    public let maximumEventBytes: Int
    private var line: [UInt8] = []
    private var name: String?
    private var data: [String] = []
    private var eventBytes = 0
    private var afterCarriageReturn = false

    public init(maximumEventBytes: Int = 16 << 20) {
        self.maximumEventBytes = maximumEventBytes
    }

    /// Why a stream cannot be read.
    public struct Oversized: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "a server-sent event is larger than \(limit) bytes" }
    }

    /// The events `bytes` complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Oversized) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                eventBytes += 1
                guard eventBytes <= maximumEventBytes else { throw Oversized(limit: maximumEventBytes) }
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the current line; the event it completes, if it was blank and ended one.
    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else {
            defer {
                name = nil
                data = []
                eventBytes = 0
            }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
        guard line.first != UInt8(ascii: ":") else { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "data": data.append(String(value))
        case "event": name = String(value)
        default: break
        }
        return nil
    }
}
