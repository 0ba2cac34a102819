import BatonCore

/// Frames messages in the AWS event-stream binary encoding (`application/vnd.amazon.eventstream`),
/// the body of Bedrock's `ConverseStream` and of every other AWS streaming response.
///
/// Not to be confused with server-sent events (`EventStreamDecoder` in BatonCore). Each message is
/// `[total length][headers length][CRC-32 of those 8 bytes]` (big-endian `UInt32`s), the
/// headers, the payload, then the CRC-32 of everything before it. botocore's
/// `EventStreamBuffer` checks both checksums and refuses the whole stream on a mismatch.
///
/// ```swift
/// let frame = AWSEventStreamEncoder.event("messageStart", payload: Array(#"{"role":"assistant"}"#.utf8))
/// ```
public enum AWSEventStreamEncoder {
    /// The length of the prelude: the two lengths and their checksum.
    static let preludeLength = 12
    /// Header value type 7: a UTF-8 string with a 16-bit length (the only type events need).
    static let stringValueType: UInt8 = 7

    /// An `event` message of `type` carrying a JSON payload, as a service sends each member
    /// of an event-stream union: botocore picks the member by `:event-type`.
    public static func event(_ type: String, payload: [UInt8]) -> [UInt8] {
        message(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", "event")], payload: payload)
    }

    /// One message with string headers, in the order given.
    public static func message(headers: [(name: String, value: String)], payload: [UInt8]) -> [UInt8] {
        let encodedHeaders = headers.flatMap { encode(header: $0.name, value: $0.value) }
        let totalLength = preludeLength + encodedHeaders.count + payload.count + 4
        var frame: [UInt8] = []
        frame.reserveCapacity(totalLength)
        appendBigEndian(UInt32(totalLength), to: &frame)
        appendBigEndian(UInt32(encodedHeaders.count), to: &frame)
        appendBigEndian(CRC32.checksum(frame), to: &frame)
        frame += encodedHeaders
        frame += payload
        appendBigEndian(CRC32.checksum(frame), to: &frame)
        return frame
    }

    /// `[name length: UInt8][name][type 7][value length: UInt16][value]`.
    private static func encode(header name: String, value: String) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let valueBytes = Array(value.utf8)
        precondition(nameBytes.count <= Int(UInt8.max), "an event-stream header name is at most 255 bytes")
        precondition(valueBytes.count <= Int(UInt16.max), "an event-stream header value is at most 65535 bytes")
        var bytes: [UInt8] = [UInt8(nameBytes.count)] + nameBytes + [stringValueType]
        appendBigEndian(UInt16(valueBytes.count), to: &bytes)
        return bytes + valueBytes
    }

    private static func appendBigEndian(_ value: some FixedWidthInteger, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
