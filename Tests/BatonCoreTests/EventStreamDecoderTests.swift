import BatonCore
import Testing

@Suite("Server-sent events read as they arrive")
struct EventStreamDecoderTests {
    @Test("events end at a blank line whatever the line endings, across any split of the bytes; comments and other fields are skipped")
    func lineEndings() throws {
        let stream = ": ping - 2026-12-02\r\n\r\ndata: {\"a\":1}\r\n\r\nevent: error\ndata: one\ndata: two\n\nid: 7\rdata:three\r\r"
        let expected = [
            EventStreamDecoder.Event(data: #"{"a":1}"#), EventStreamDecoder.Event(name: "error", data: "one\ntwo"),
            EventStreamDecoder.Event(data: "three"),
        ]
        let bytes = Array(stream.utf8)
        for split in 0...bytes.count {
            var decoder = EventStreamDecoder()
            let events = try decoder.feed(bytes[..<split]) + decoder.feed(bytes[split...])
            #expect(events == expected, "split at \(split)")
        }
        var decoder = EventStreamDecoder()
        #expect(try decoder.feed(Array("data: unfinished\n".utf8)).isEmpty, "an event without its blank line is not complete")
    }

    @Test("an event larger than the limit is refused")
    func oversized() {
        var decoder = EventStreamDecoder(maximumEventBytes: 16)
        #expect(throws: EventStreamDecoder.Oversized.self) { try decoder.feed(Array("data: \(String(repeating: "x", count: 32))\n\n".utf8)) }
    }
}
